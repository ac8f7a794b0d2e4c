"""Forms for the notification pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Email"), required=False)
    in_app = forms.BooleanField(label=_("In Beacon (the bell)"), required=False)
    sms = forms.BooleanField(label=_("SMS to my phone number"), required=False)
    push = forms.BooleanField(label=_("Push to the exchange app"), required=False)
