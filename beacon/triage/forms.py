"""Console forms of triage: an agent's correction of one field of one result."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from beacon.triage.services import CORRECTABLE


class CorrectionForm(forms.Form):
    result = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    field = forms.ChoiceField(
        choices=[(name, name) for name in CORRECTABLE], widget=forms.HiddenInput
    )
    value = forms.CharField(label=_("Correct value"), max_length=64)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))]
    )
