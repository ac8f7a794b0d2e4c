from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, max_length=256
    )


class LoginLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
