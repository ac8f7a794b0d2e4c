"""Admin screens: help-center categories and sections, and the search synonyms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from beacon.core.admin_site import AdminAuditMixin, AdminRoleOnly, admin_site
from beacon.knowledge import services
from beacon.knowledge.models import KbCategory, Section, Synonym


class SynonymForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in django-stubs
    class Meta:
        model = Synonym
        fields = ("phrases", "is_active")

    def clean_phrases(self) -> str:
        value = str(self.cleaned_data.get("phrases", ""))
        if len(Synonym(phrases=value).phrase_list()) < 2:
            raise forms.ValidationError(_("Give at least two words or phrases."))
        return value


@admin.register(Synonym, site=admin_site)
class SynonymAdmin(AdminAuditMixin, AdminRoleOnly):
    form = SynonymForm
    list_display = ("phrases", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("phrases",)

    def save_model(
        self,
        request: HttpRequest,
        obj: Any,
        form: forms.Form,
        change: bool,  # noqa: FBT001 (Django's signature)
    ) -> None:
        super().save_model(request, obj, form, change)
        # Search processes reload synonyms when the index generation moves.
        services.synonyms_touch()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.synonyms_touch()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        services.synonyms_touch()


class SectionInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in django-stubs
    model = Section
    extra = 0


@admin.register(KbCategory, site=admin_site)
class KbCategoryAdmin(AdminAuditMixin, AdminRoleOnly):
    list_display = ("slug", "name_en", "name_zh", "position")
    inlines = (SectionInline,)
