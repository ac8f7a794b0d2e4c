"""Forms of the routing pages: the dry-run sample ticket and the presence switch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import KycLevel, Language, VipTier
from beacon.routing.matching import TicketFacts
from beacon.routing.models import PresenceStatus
from beacon.tickets.models import Category, Channel


class DryRunForm(forms.Form):
    """A sample ticket to run the rules over; nothing is saved."""

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).order_by("position", "slug"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, initial=Channel.WEB
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=Language.choices, initial=Language.EN
    )
    vip_tier = forms.TypedChoiceField(
        label=_("VIP tier"),
        choices=VipTier.choices,
        coerce=int,
        initial=VipTier.REGULAR,
    )
    kyc_level = forms.TypedChoiceField(
        label=_("KYC level"),
        choices=KycLevel.choices,
        coerce=int,
        initial=KycLevel.NONE,
    )

    # What triage would have read (rules on these run again after triage; empty: not triaged).
    intent = forms.CharField(
        label=_("Intent (category slug, as triage predicts it)"),
        max_length=64,
        required=False,
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"),
        choices=[
            ("", "—"),
            (1, _("Low")),
            (2, _("Normal")),
            (3, _("High")),
            (4, _("Critical")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"),
        choices=[
            ("", "—"),
            ("negative", _("Negative")),
            ("neutral", _("Neutral")),
            ("positive", _("Positive")),
        ],
        required=False,
    )

    def facts(self) -> TicketFacts:
        data: dict[str, Any] = self.cleaned_data
        category: Category = data["category"]
        return TicketFacts(
            subject=data["subject"],
            description=data["description"],
            category_id=category.pk,
            category_is_security=category.is_security,
            channel=data["channel"],
            language=data["language"],
            vip_tier=data["vip_tier"],
            kyc_level=data["kyc_level"],
            intent=data.get("intent") or "",
            urgency=data.get("urgency"),
            sentiment=data.get("sentiment") or "",
        )


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=PresenceStatus.choices)
