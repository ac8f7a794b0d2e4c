"""Forms of the agent console: they parse and render input; every write still goes through services."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, Team, User
from beacon.core import configcache
from beacon.core.errors import DomainError, Invalid
from beacon.core.prepared import PreparedQuery
from beacon.core.widgets import QuickSelect, copy_fields_lightly
from beacon.tickets.models import (
    Category,
    Channel,
    LinkKind,
    MessageKind,
    Priority,
    Status,
    Ticket,
)
from beacon.tickets.queries import (
    Sort,
    TicketFilter,
    View,
    active_categories_cached,
    team_ids_of,
)

WRITER_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN)
ANY = ("", gettext_lazy("Any"))
KEEP = ("", gettext_lazy("No change"))

VIEW_LABELS: dict[View, Any] = {
    View.MINE: gettext_lazy("Mine"),
    View.UNASSIGNED: gettext_lazy("Unassigned"),
    View.PENDING: gettext_lazy("Pending customer"),
    View.ACTIVE: gettext_lazy("Active"),
    View.ALL: gettext_lazy("All"),
}
SORT_LABELS: dict[Sort, Any] = {
    Sort.NEWEST: gettext_lazy("Newest first"),
    Sort.OLDEST: gettext_lazy("Oldest first"),
    Sort.PRIORITY: gettext_lazy("Priority"),
    Sort.UPDATED: gettext_lazy("Recently updated"),
}


# --- choices -------------------------------------------------------------------------------


def teams_for(user: User) -> QuerySet[Team]:
    """Teams a staff member works with: their own, or every active team for admins and auditors."""
    teams = Team.objects.filter(is_active=True)
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return teams
    return teams.filter(id__in=team_ids_of(user))


def writers() -> QuerySet[User]:
    """Active staff who can work on tickets. The `NOT role = 'customer'` term, implied by the
    roles, lets the database use the staff index (accounts.User.Meta) instead of reading every
    customer."""
    return User.objects.filter(is_active=True, role__in=WRITER_ROLES).exclude(
        role=Role.CUSTOMER
    )


def staff_for(user: User) -> QuerySet[User]:
    """People tickets can be assigned to, as far as this user works with them."""
    staff = writers()
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return staff
    return staff.filter(memberships__team_id__in=team_ids_of(user)).distinct()


def assignable_in(team: Team | None) -> QuerySet[User]:
    """Assignee choices for a ticket in `team`: its members (any writer when the ticket has no team)."""
    staff = writers()
    if team is None:
        return staff
    return staff.filter(memberships__team=team).distinct()


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


def _person(user: User) -> str:
    return user.display_name or user.email


if TYPE_CHECKING:
    _UserChoiceField = forms.ModelChoiceField[User]
else:  # Django's form fields are not subscriptable at runtime.
    _UserChoiceField = forms.ModelChoiceField


class PersonChoiceField(_UserChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _person(obj)


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's error beside the fields it names (or above the form), keeping the input."""
    for name, messages in exc.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    # "Some fields are not valid." adds nothing when the fields say what is wrong.
    if not exc.fields or exc.message != str(Invalid.default_message):
        form.add_error(None, exc.message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# --- ticket list ---------------------------------------------------------------------------


# Every active writer with each of their teams (a row per membership; None without one), in
# the order of the staff choices. One plain query, compiled once per connection.
_STAFF_AND_TEAMS = PreparedQuery(
    lambda: (
        writers()
        .order_by("email", "pk")
        .values_list("pk", "display_name", "email", "memberships__team_id")
    )
)


def _active_teams() -> list[Team]:
    return list(Team.objects.filter(is_active=True))


def _staff_rows(user: User) -> list[tuple[int, str]]:
    everyone = user.role in (Role.ADMIN, Role.AUDITOR)
    teams = set(team_ids_of(user))
    seen: set[int] = set()
    rows: list[tuple[int, str]] = []
    for pk, display_name, email, team_id in _STAFF_AND_TEAMS.all():
        if pk not in seen and (everyone or team_id in teams):
            seen.add(pk)
            rows.append((pk, display_name or email))
    return rows


def list_choice_rows(user: User, name: str) -> list[tuple[int, str]]:
    """(id, label) of the teams, categories or staff offered by the list's filter and bulk
    forms, the same as teams_for, active_categories and staff_for would list, loaded at most
    once per request (kept on the user object, like team_ids_of). Teams and categories come from
    the configuration cache (core/configcache.py: checked against the database's configuration
    version, so a change shows at once everywhere), the staff from one prepared query: the
    three querysets cost about 1 ms of CPU on every console list page."""
    loaded: dict[str, list[tuple[int, str]]] | None = getattr(
        user, "_console_choices", None
    )
    if loaded is None:
        loaded = {}
        user._console_choices = loaded  # type: ignore[attr-defined]
    if name not in loaded:
        language = get_language() or settings.LANGUAGE_CODE
        if name == "team":
            teams = configcache.get("console:active-teams", _active_teams)
            if user.role not in (Role.ADMIN, Role.AUDITOR):
                mine = set(team_ids_of(user))
                teams = [team for team in teams if team.pk in mine]
            rows = [(team.pk, team.display_name(language)) for team in teams]
        elif name == "category":
            rows = [
                (category.pk, category.display_name(language))
                for category in active_categories_cached()
            ]
        else:
            rows = _staff_rows(user)
        loaded[name] = rows
    return loaded[name]


def _use_loaded_choices(form: forms.Form, user: User) -> None:
    """Render the form's model selects from rows loaded once per request, when first drawn.

    A ModelChoiceField's widget runs its queryset again each time it is drawn, and the list
    page draws two forms with the same teams and staff (the HTMX list draws none of the filter
    form). Validation still uses the querysets, which are built only for a field that has a
    value to check (see _validate_with).
    """
    for name in ("team", "category", "assignee"):
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField):
            # A callable: Django calls it each time the widget iterates its choices.
            field.widget.choices = partial(_loaded_choices, field, user, name)


def _validate_with(
    form: forms.Form, querysets: dict[str, Callable[[], QuerySet[Any]]]
) -> None:
    """Give each model choice field the queryset its value is checked against, only when the
    form has a value for it: an empty value never reaches the queryset, and building one costs
    a few tenths of a millisecond on a page drawn on every list request."""
    for name, queryset in querysets.items():
        if form.is_bound and form.data.get(form.add_prefix(name)):
            form.fields[name].queryset = queryset()  # type: ignore[attr-defined]


def _loaded_choices(
    field: forms.ModelChoiceField[Any], user: User, name: str
) -> list[tuple[Any, Any]]:
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    return [*empty, *list_choice_rows(user, name)]


@copy_fields_lightly
class TicketFilterForm(forms.Form):
    """The list's filters, read from the query string. Bad values are ignored, never an error page."""

    view = forms.ChoiceField(
        choices=[(v.value, VIEW_LABELS[v]) for v in View], required=False
    )
    q = forms.CharField(required=False, max_length=200, label=gettext_lazy("Search"))
    status = forms.ChoiceField(
        widget=QuickSelect,
        choices=[ANY, *Status.choices],
        required=False,
        label=gettext_lazy("Status"),
    )
    priority = forms.TypedChoiceField(
        widget=QuickSelect,
        choices=[ANY, *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Priority"),
    )
    team = forms.ModelChoiceField(
        widget=QuickSelect,
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("Team"),
    )
    category = forms.ModelChoiceField(
        widget=QuickSelect,
        queryset=Category.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("Category"),
    )
    assignee = PersonChoiceField(
        widget=QuickSelect,
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Anyone"),
        label=gettext_lazy("Assignee"),
    )
    channel = forms.ChoiceField(
        widget=QuickSelect,
        choices=[ANY, *Channel.choices],
        required=False,
        label=gettext_lazy("Channel"),
    )
    tag = forms.CharField(required=False, max_length=50, label=gettext_lazy("Tag"))
    sort = forms.ChoiceField(
        widget=QuickSelect,
        choices=[(s.value, SORT_LABELS[s]) for s in Sort],
        required=False,
        label=gettext_lazy("Sort"),
    )

    FILTER_NAMES = (
        "view",
        "q",
        "status",
        "priority",
        "team",
        "category",
        "assignee",
        "channel",
        "tag",
        "sort",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _validate_with(
            self,
            {
                "team": partial(teams_for, user),
                "category": active_categories,
                "assignee": partial(staff_for, user),
            },
        )
        _use_loaded_choices(self, user)

    def to_filter(self) -> TicketFilter:
        self.is_valid()
        # Only the fields that validated: a stale team id in a bookmark must not break the page.
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors
        }
        team: Team | None = data.get("team")
        category: Category | None = data.get("category")
        assignee: User | None = data.get("assignee")
        return TicketFilter(
            view=View(data.get("view") or View.ACTIVE),
            status=data.get("status") or "",
            priority=data.get("priority"),
            team_id=team.pk if team else None,
            category_id=category.pk if category else None,
            assignee_id=assignee.pk if assignee else None,
            channel=data.get("channel") or "",
            tag=(data.get("tag") or "").strip(),
            q=(data.get("q") or "").strip(),
            sort=Sort(data.get("sort") or Sort.NEWEST),
        )


class IdListField(forms.Field):
    """Ticket ids from the list's checkboxes (several values under one name)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(
                _("The selection is not valid. Reload the page and try again.")
            ) from exc

    def validate(self, value: Any) -> None:
        if not value:
            raise forms.ValidationError(_("Select at least one ticket."))


@copy_fields_lightly
class BulkForm(forms.Form):
    """The same change for every selected ticket."""

    ids = IdListField(label=gettext_lazy("Tickets"))
    status = forms.ChoiceField(
        widget=QuickSelect,
        choices=[KEEP, *Status.choices],
        required=False,
        label=gettext_lazy("Status"),
    )
    priority = forms.TypedChoiceField(
        widget=QuickSelect,
        choices=[KEEP, *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Priority"),
    )
    team = forms.ModelChoiceField(
        widget=QuickSelect,
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("No change"),
        label=gettext_lazy("Team"),
    )
    assignee = PersonChoiceField(
        widget=QuickSelect,
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("No change"),
        label=gettext_lazy("Assignee"),
    )
    add_tag = forms.CharField(
        required=False, max_length=50, label=gettext_lazy("Add tag")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _validate_with(
            self,
            {"team": partial(teams_for, user), "assignee": partial(staff_for, user)},
        )
        _use_loaded_choices(self, user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not self.changes()
            and not cleaned.get("add_tag", "").strip()
            and not self.errors
        ):
            raise forms.ValidationError(_("Choose at least one change to apply."))
        return cleaned

    def changes(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in ("status", "priority", "team", "assignee")
            if data.get(name) not in (None, "")
        }

    def add_tags(self) -> list[str]:
        tag = str(self.cleaned_data.get("add_tag") or "").strip()
        return [tag] if tag else []


# --- ticket page ---------------------------------------------------------------------------


class ReplyForm(forms.Form):
    """A public reply or an internal note, optionally changing the status as it is sent."""

    kind = forms.ChoiceField(
        choices=[
            (MessageKind.REPLY, gettext_lazy("Public reply")),
            (MessageKind.NOTE, gettext_lazy("Internal note")),
        ],
        initial=MessageKind.REPLY,
        widget=forms.RadioSelect,
        label=gettext_lazy("Type"),
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label=gettext_lazy("Message"),
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Automatic")), *Status.choices],
        required=False,
        label=gettext_lazy("Status after sending"),
    )
    # Rendered for its errors and label; the files themselves are read from request.FILES.
    attachments = forms.FileField(
        widget=MultipleFileInput(), required=False, label=gettext_lazy("Attachments")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the properties form beside it also has a "status" field.
        kwargs.setdefault("auto_id", "reply-%s")
        super().__init__(*args, **kwargs)

    def clean_body(self) -> str:
        # The service checks length and emptiness too; this only saves a round trip.
        body = str(self.cleaned_data.get("body") or "")
        if not body.strip():
            raise forms.ValidationError(_("Write a message first."))
        return body


class PropertiesForm(forms.Form):
    """Status, priority, category, team, assignee and tags of one ticket."""

    status = forms.ChoiceField(choices=Status.choices, label=gettext_lazy("Status"))
    priority = forms.TypedChoiceField(
        choices=Priority.choices, coerce=int, label=gettext_lazy("Priority")
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        empty_label=None,
        label=gettext_lazy("Category"),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("No team"),
        label=gettext_lazy("Team"),
    )
    assignee = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Unassigned"),
        label=gettext_lazy("Assignee"),
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("Tags"),
        help_text=gettext_lazy("Separated by commas."),
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        tag_names: list[str] = sorted(t.name for t in ticket.tags.all())
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "priority": ticket.priority,
                "category": ticket.category_id,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
                "tags": ", ".join(tag_names),
            },
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.tag_names = tag_names
        self.fields["category"].queryset = active_categories()  # type: ignore[attr-defined]
        # Every active team: moving a ticket to another team (escalation) is part of the job.
        self.fields["team"].queryset = Team.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = assignable_in(self.selected_team())  # type: ignore[attr-defined]
        # Choosing a team fetches the assignee select for that team (see console/pages.py properties).
        self.fields["team"].widget.attrs.update(
            {
                "hx-get": reverse("console:ticket-properties", args=[ticket.reference]),
                "hx-include": "closest form",
                "hx-target": "#id_assignee",
                "hx-select": "#id_assignee",
                "hx-swap": "outerHTML",
            }
        )

    def selected_team(self) -> Team | None:
        """The team chosen in the submitted data (the assignee choices follow it), else the ticket's."""
        if not self.is_bound:
            return self.ticket.team
        raw = self.data.get("team")
        if not raw:
            return None
        try:
            return Team.objects.filter(is_active=True, pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def changes(self) -> dict[str, Any]:
        """Only what differs from the ticket, so the history records real changes."""
        data = self.cleaned_data
        current = {
            "status": self.ticket.status,
            "priority": self.ticket.priority,
            "category": self.ticket.category,
            "team": self.ticket.team,
            "assignee": self.ticket.assignee,
        }
        changes: dict[str, Any] = {
            name: data.get(name)
            for name, value in current.items()
            if data.get(name) != value
        }
        tags = sorted(
            {
                t.strip().lower()
                for t in str(data.get("tags") or "").split(",")
                if t.strip()
            }
        )
        if tags != self.tag_names:
            changes["tags"] = tags
        return changes


class ReferenceForm(forms.Form):
    """Another ticket, by its reference (merge and link)."""

    target = forms.CharField(
        max_length=32,
        label=gettext_lazy("Ticket reference"),
        widget=forms.TextInput(
            attrs={
                "placeholder": "BX-7K3F9QD2",
                "autocomplete": "off",
                "class": "mono",
                "spellcheck": "false",
            }
        ),
    )


class LinkForm(ReferenceForm):
    kind = forms.ChoiceField(
        choices=LinkKind.choices,
        initial=LinkKind.RELATED,
        label=gettext_lazy("Link type"),
    )


class ParticipantForm(forms.Form):
    """An address to copy on the ticket's email (the service checks who may be one)."""

    address = forms.CharField(
        max_length=254,
        label=gettext_lazy("Email address"),
        widget=forms.EmailInput(
            attrs={"placeholder": "name@example.com", "autocomplete": "off"}
        ),
    )
