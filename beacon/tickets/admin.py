"""Admin screens for what admins configure about tickets: categories (with their forms) and macros."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site
from beacon.tickets.form_fields import FieldType, parse_specs
from beacon.tickets.models import Category, Macro
from beacon.tickets.services import TAG_RE

FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Types checked against the form's `network` field (see form_fields._check_one).
NETWORK_BOUND_TYPES = frozenset({FieldType.TXID, FieldType.ADDRESS, FieldType.MEMO})
# The names macro_render fills in; anything else would be sent to customers verbatim.
MACRO_PLACEHOLDERS = frozenset(
    {
        "customer.name",
        "customer.uid",
        "ticket.reference",
        "ticket.subject",
        "agent.name",
    }
)
PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")


def form_spec_errors(raw: Any) -> list[str]:
    """Why a category's form_fields JSON would not work, as readable sentences (empty when fine)."""
    if not isinstance(raw, list):
        return [
            _(
                'Enter a JSON list of field objects, e.g. [{"name": "txid", "type": "txid"}].'
            )
        ]
    errors: list[str] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.append(_("Item %(n)d is not a JSON object.") % {"n": position})
            continue
        try:
            parse_specs([item])
        except KeyError:
            errors.append(_('Item %(n)d has no "name".') % {"n": position})
        except ValueError:
            errors.append(
                _("Item %(n)d has an unknown type %(type)r. Use one of: %(types)s.")
                % {
                    "n": position,
                    "type": item.get("type"),
                    "types": ", ".join(t.value for t in FieldType),
                }
            )
    if errors:
        return errors
    specs = parse_specs(raw)
    names = [spec.name for spec in specs]
    for name in names:
        if not FIELD_NAME_RE.match(name):
            errors.append(
                _(
                    "Field name %(name)r: use lower-case letters, digits and _ (starting with a letter)."
                )
                % {"name": name}
            )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        errors.append(
            _("Field names must be unique; repeated: %(names)s.")
            % {"names": ", ".join(duplicates)}
        )
    has_network = any(
        spec.name == "network" and spec.type == FieldType.NETWORK for spec in specs
    )
    for spec, item in zip(specs, raw, strict=True):
        if spec.type in NETWORK_BOUND_TYPES and not has_network:
            errors.append(
                _(
                    'Field %(name)r (%(type)s) is checked against the network: add a field named "network" of type network.'
                )
                % {"name": spec.name, "type": spec.type.value}
            )
        if spec.type == FieldType.CHOICE and not spec.choices:
            errors.append(
                _('Choice field %(name)r needs a non-empty "choices" list.')
                % {"name": spec.name}
            )
        for key in ("choice_labels_en", "choice_labels_zh"):
            labels = item.get(key)
            if labels is not None and (
                not isinstance(labels, list) or len(labels) != len(spec.choices)
            ):
                errors.append(
                    _("%(key)s of %(name)r must list one label per choice.")
                    % {"key": key, "name": spec.name}
                )
    return errors


class IndentedJSONField(forms.JSONField):
    """One field per line: a form spec is edited by hand, and a single long line is unreadable."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return super().prepare_value(value)


class CategoryAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    form_fields = IndentedJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "mono"}),
        help_text=gettext_lazy(
            'A JSON list of fields: {"name", "type", "required", "label_en", "label_zh", "choices"}. '
            "Types: coin, network, txid, address, memo, amount, datetime, order_id, choice, text. "
            'txid, address and memo are checked against the field named "network"; memo becomes required on networks that use memos.'
        ),
    )

    class Meta:
        model = Category
        fields = (
            "name_en",
            "name_zh",
            "slug",
            "description_en",
            "description_zh",
            "default_team",
            "default_priority",
            "is_security",
            "is_active",
            "position",
            "form_fields",
        )

    def clean_form_fields(self) -> Any:
        value = self.cleaned_data.get("form_fields")
        errors = form_spec_errors(value if value is not None else [])
        if errors:
            raise forms.ValidationError(errors)
        return value if value is not None else []


@admin.register(Category, site=admin_site)
class CategoryAdmin(AdminAuditMixin, AdminRoleOnly):
    form = CategoryAdminForm
    list_display = (
        "name_en",
        "name_zh",
        "slug",
        "default_team",
        "default_priority",
        "is_security",
        "is_active",
        "position",
    )
    list_filter = ("is_active", "is_security", "default_team")
    list_select_related = ("default_team",)
    search_fields = ("name_en", "name_zh", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    ordering = ("position", "slug")

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        # Tickets keep their category (PROTECT); retire a category by unticking "is active".
        return False


class MacroAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    class Meta:
        model = Macro
        fields = (
            "name",
            "team",
            "body_en",
            "body_zh",
            "set_status",
            "add_tags",
            "is_active",
        )
        help_texts = {
            "body_en": gettext_lazy(
                "Placeholders: {{ customer.name }}, {{ customer.uid }}, {{ ticket.reference }}, {{ ticket.subject }}, {{ agent.name }}."
            ),
            "add_tags": gettext_lazy(
                'A JSON list of tag names, e.g. ["deposit", "txid-requested"].'
            ),
        }

    def _check_placeholders(self, field: str) -> str:
        body = str(self.cleaned_data.get(field) or "")
        unknown = sorted(
            {inner.strip() for inner in PLACEHOLDER_RE.findall(body)}
            - MACRO_PLACEHOLDERS
        )
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s. Use: %(known)s.")
                % {
                    "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                    "known": ", ".join(sorted(MACRO_PLACEHOLDERS)),
                }
            )
        return body

    def clean_body_en(self) -> str:
        return self._check_placeholders("body_en")

    def clean_body_zh(self) -> str:
        return self._check_placeholders("body_zh")

    def clean_add_tags(self) -> list[str]:
        value = self.cleaned_data.get("add_tags") or []
        if not isinstance(value, list) or not all(
            isinstance(tag, str) and TAG_RE.match(tag.strip().lower()) for tag in value
        ):
            raise forms.ValidationError(
                _(
                    "Enter a JSON list of tags; tags use letters, digits, '.', ':', '-' and '_'."
                )
            )
        return sorted({tag.strip().lower() for tag in value})


@admin.register(Macro, site=admin_site)
class MacroAdmin(AdminAuditMixin, AdminRoleOnly):
    form = MacroAdminForm
    list_display = ("name", "team", "set_status", "is_active")
    list_filter = ("is_active", "team")
    list_select_related = ("team",)
    search_fields = ("name", "body_en", "body_zh")
