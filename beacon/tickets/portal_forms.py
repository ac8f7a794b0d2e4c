"""Portal forms: a new request built from its category's structured fields, replies and ratings.

The forms check only shape (present, not too long); the services decide everything else, and
their errors go back onto the matching inputs through `add_domain_error`, so whatever the
customer typed stays on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.forms import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beacon.core import chains
from beacon.core.errors import DomainError
from beacon.tickets.attachments import ALLOWED_BINARY, TEXT_TYPE
from beacon.tickets.form_fields import FieldSpec, FieldType, parse_specs
from beacon.tickets.models import Category, Ticket

# Structured inputs are prefixed so a category field can never collide with subject,
# description or attachments, whatever names an administrator gives its fields.
FIELD_PREFIX = "f_"
SUBJECT_MAX = 200
BODY_MAX = 20_000
COIN_SUGGESTIONS = (
    "USDT",
    "USDC",
    "BTC",
    "ETH",
    "BNB",
    "SOL",
    "XRP",
    "TRX",
    "TON",
    "DOGE",
    "LTC",
)
ACCEPT = ",".join([*ALLOWED_BINARY, TEXT_TYPE, ".txt", ".log"])

# chains.py names memo fields in English; these make the two names it uses translatable.
_MEMO_LABELS = {"Memo": _("Memo"), "Destination tag": _("Destination tag")}

_HELP: dict[FieldType, Any] = {
    FieldType.COIN: _("The coin's symbol, e.g. USDT."),
    FieldType.TXID: _(
        "The transaction hash (TxID) shown by your wallet or the sending platform."
    ),
    FieldType.ADDRESS: _("Copy and paste the address; do not type it by hand."),
    FieldType.MEMO: _(
        "Networks such as XRP, TON or Stellar need it to match your deposit to your account."
    ),
    FieldType.AMOUNT: _("A number, e.g. 150.5."),
    FieldType.DATETIME: _("Your local time is fine."),
    FieldType.ORDER_ID: _("As shown in your order history."),
}


def memo_label(network: chains.Network | None) -> str | None:
    """The localised name of the network's memo (e.g. "Destination tag"), or None when it uses none."""
    if network is None or network.memo_label is None:
        return None
    return str(_MEMO_LABELS.get(network.memo_label, network.memo_label))


def memo_labels() -> dict[str, str]:
    """Network code -> memo label, for the networks that need a memo (read by portal.js)."""
    return {
        code: label
        for code, network in chains.NETWORKS.items()
        if (label := memo_label(network))
    }


def active_categories() -> list[Category]:
    """The categories a customer can open a request in (configuration, the same for everyone)."""
    return list(Category.objects.filter(is_active=True))


# --- uploads -------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; type and size are checked by the service, from the content."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
    return MultipleFileField(
        label=_("Attachments"),
        help_text=gettext(
            "Up to %(count)s files, %(size)s MB each: images (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text."
        )
        % {"count": settings.ATTACHMENT_MAX_FILES, "size": f"{limit_mb:g}"},
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT}),
    )


# --- structured fields ---------------------------------------------------------------------


def spec_field(spec: FieldSpec, language: str, *, required: bool) -> forms.Field:
    """The input for one structured field of a category's form."""
    label = spec.label(language)
    help_text = _HELP.get(spec.type, "")
    if spec.type == FieldType.NETWORK:
        networks: list[tuple[str, str]] = [
            ("", gettext("Choose a network")),
            *chains.network_choices(),
        ]
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=networks,
            widget=forms.Select(attrs={"data-network-select": ""}),
        )
    if spec.type == FieldType.CHOICE and spec.choices:
        options: list[tuple[str, str]] = [
            ("", gettext("Choose one")),
            *spec.choice_options(language),
        ]
        return forms.ChoiceField(label=label, required=required, choices=options)
    attrs: dict[str, str] = {"autocomplete": "off"}
    max_length = 500
    if spec.type in (FieldType.TXID, FieldType.ADDRESS, FieldType.MEMO):
        # Hashes and addresses must be pasted exactly: no spell checking, no auto-capitals.
        attrs.update({"class": "mono", "spellcheck": "false", "autocapitalize": "off"})
    if spec.type == FieldType.MEMO:
        attrs["data-memo-input"] = ""
    elif spec.type == FieldType.COIN:
        attrs.update(
            {
                "list": f"{FIELD_PREFIX}{spec.name}-suggestions",
                "autocapitalize": "characters",
            }
        )
        max_length = 10
    elif spec.type == FieldType.AMOUNT:
        attrs["inputmode"] = "decimal"
        max_length = 40
    elif spec.type == FieldType.DATETIME:
        attrs["type"] = "datetime-local"
        max_length = 40
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


def _offset_suffix(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


@dataclass(frozen=True)
class FieldRow:
    """One structured input as the template draws it."""

    field: BoundField
    type: str
    label: str
    required: bool
    hidden: bool = False
    suggestions: tuple[str, ...] = ()


class StructuredForm(forms.Form):
    """A form with inputs for (some of) a category's structured fields."""

    # Minutes east of UTC, filled in by portal.js, so a datetime-local value (which carries no
    # zone) is read in the customer's time zone rather than the server's.
    tz_offset = forms.IntegerField(
        required=False,
        min_value=-14 * 60,
        max_value=14 * 60,
        widget=forms.HiddenInput(attrs={"data-tz-offset": ""}),
    )

    def __init__(
        self,
        *args: Any,
        specs: list[FieldSpec],
        language: str,
        required: bool,
        known_network: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.specs = specs
        self.known_network = known_network
        for spec in specs:
            self.fields[FIELD_PREFIX + spec.name] = spec_field(
                spec, language, required=required and spec.required
            )

    def _network(self) -> chains.Network | None:
        for spec in self.specs:
            if spec.type == FieldType.NETWORK:
                return chains.get_network(
                    str(self[FIELD_PREFIX + spec.name].value() or "")
                )
        return chains.get_network(self.known_network)

    def structured_rows(self) -> list[FieldRow]:
        network = self._network()
        rows = []
        for spec in self.specs:
            bound = self[FIELD_PREFIX + spec.name]
            label = str(bound.label)
            required = bound.field.required
            hidden = False
            if spec.type == FieldType.MEMO:
                network_memo = memo_label(network)
                label = network_memo or label
                required = required or network_memo is not None
                # Hide it only when the chosen network has no memo and nothing would be hidden
                # from the customer (a typed value or an error stays visible).
                hidden = (
                    network is not None
                    and network_memo is None
                    and not bound.value()
                    and not bound.errors
                )
            suggestions = COIN_SUGGESTIONS if spec.type == FieldType.COIN else ()
            rows.append(
                FieldRow(
                    field=bound,
                    type=str(spec.type),
                    label=label,
                    required=required,
                    hidden=hidden,
                    suggestions=suggestions,
                )
            )
        return rows

    def structured_values(self) -> dict[str, str]:
        offset = self.cleaned_data.get("tz_offset")
        values: dict[str, str] = {}
        for spec in self.specs:
            value = str(self.cleaned_data.get(FIELD_PREFIX + spec.name) or "")
            if (
                spec.type == FieldType.DATETIME
                and value
                and offset is not None
                and _is_naive(value)
            ):
                value += _offset_suffix(offset)
            values[spec.name] = value
        return values

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service's errors next to the inputs they are about."""
        for name, messages in exc.fields.items():
            # Errors about something that has no input here (e.g. the category) go on top.
            target: str | None = next(
                (key for key in (FIELD_PREFIX + name, name) if key in self.fields), None
            )
            if name == "attachments":
                # The message names the file and what is accepted; the per-field text alone is terse.
                messages = [exc.message]
            for message in messages:
                self.add_error(target, message)
        if not exc.fields:
            self.add_error(None, exc.message)


def _is_naive(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is None
    except ValueError:
        return False  # The service explains the format; nothing to adjust.


class TicketForm(StructuredForm):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=BODY_MAX,
        help_text=_(
            "What happened, what you expected, and anything you already tried."
        ),
        widget=forms.Textarea(attrs={"rows": 7}),
    )

    def __init__(
        self, *args: Any, category: Category, language: str, **kwargs: Any
    ) -> None:
        super().__init__(
            *args,
            specs=parse_specs(category.form_fields),
            language=language,
            required=True,
            **kwargs,
        )
        self.category = category
        self.fields["attachments"] = attachments_field()


class ReplyForm(StructuredForm):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(
        self, *args: Any, ticket: Ticket, language: str, **kwargs: Any
    ) -> None:
        # Only the fields support asked for; the reply is accepted even if some are still
        # missing (the customer may be asking where to find them).
        missing = set(ticket.missing_fields or ()) if not ticket.is_closed else set()
        specs = [
            spec
            for spec in parse_specs(ticket.category.form_fields)
            if spec.name in missing
        ]
        super().__init__(
            *args,
            specs=specs,
            language=language,
            required=False,
            known_network=str(ticket.fields.get("network", "")),
            **kwargs,
        )
        self.fields["attachments"] = attachments_field()


RATING_CHOICES = [
    (1, _("1 star: bad")),
    (2, _("2 stars: poor")),
    (3, _("3 stars: fair")),
    (4, _("4 stars: good")),
    (5, _("5 stars: excellent")),
]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How did we do?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- display -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDisplay:
    """A stored structured value as the ticket page shows it."""

    label: str
    value: str
    type: str
    url: str = ""
    moment: datetime | None = None


def field_display(ticket: Ticket, language: str) -> list[FieldDisplay]:
    """The ticket's structured values in form order, TxIDs and addresses linked to an explorer."""
    specs = parse_specs(ticket.category.form_fields)
    network = chains.get_network(str(ticket.fields.get("network", "")))
    rows: list[FieldDisplay] = []
    for spec in specs:
        value = str(ticket.fields.get(spec.name) or "")
        if value:
            rows.append(_display_one(spec.label(language), spec.type, value, network))
    known = {spec.name for spec in specs}
    # Values from fields the category no longer has (it was changed later) are still the customer's.
    rows.extend(
        _display_one(name, FieldType.TEXT, str(value), None)
        for name, value in ticket.fields.items()
        if name not in known and value
    )
    return rows


def _display_one(
    label: str, kind: FieldType, value: str, network: chains.Network | None
) -> FieldDisplay:
    if kind == FieldType.NETWORK:
        chosen = chains.get_network(value)
        return FieldDisplay(
            label=label, value=chosen.name if chosen else value, type=kind
        )
    if kind == FieldType.MEMO:
        return FieldDisplay(label=memo_label(network) or label, value=value, type=kind)
    if kind == FieldType.TXID and network is not None:
        return FieldDisplay(
            label=label,
            value=value,
            type=kind,
            url=network.explorer_tx.format(txid=quote(value, safe="")),
        )
    if kind == FieldType.ADDRESS and network is not None:
        return FieldDisplay(
            label=label,
            value=value,
            type=kind,
            url=network.explorer_address.format(address=quote(value, safe="")),
        )
    if kind == FieldType.DATETIME:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        return FieldDisplay(label=label, value=value, type=kind, moment=moment)
    return FieldDisplay(label=label, value=value, type=kind)
