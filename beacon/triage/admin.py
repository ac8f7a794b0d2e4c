"""Admin screens of triage: model versions (activate one: a rollback) and labelled examples.

Both are read-only rows: models are written by training, examples by agents' corrections. The
one change an admin makes here is choosing which model version is active.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import User
from beacon.core.admin_site import AdminRoleOnly, admin_site
from beacon.core.errors import DomainError
from beacon.triage.models import ModelStatus, ModelVersion, TrainingExample


class ReadOnly(AdminRoleOnly):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


@admin.register(ModelVersion, site=admin_site)
class ModelVersionAdmin(ReadOnly):
    list_display = (
        "__str__",
        "status",
        "source",
        "training_size",
        "metrics",
        "created_at",
        "activated_at",
    )
    list_filter = ("task", "status")
    actions = ("activate",)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return AdminRoleOnly.has_change_permission(self, request)

    @admin.action(
        description=_("Activate the selected version (roll back or forward)"),
        permissions=["activate"],
    )
    def activate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        versions = list(queryset)
        if len({version.task for version in versions}) != len(versions):
            self.message_user(
                request,
                _("Choose at most one version per task."),
                level=messages.ERROR,
            )
            return
        # Imported here: training pulls in scikit-learn (about a second), which every process
        # that loads the admin (commands included) would otherwise pay at start-up.
        from beacon.triage.training import model_activate

        actor = request.user if isinstance(request.user, User) else None
        for version in versions:
            if version.status == ModelStatus.ACTIVE:
                continue
            try:
                model_activate(version=version, actor=actor)
            except DomainError as error:
                self.message_user(request, str(error.message), level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(version)s is now active.") % {"version": version},
                    level=messages.SUCCESS,
                )


@admin.register(TrainingExample, site=admin_site)
class TrainingExampleAdmin(ReadOnly):
    list_display = ("task", "label", "source", "created_by", "created_at")
    list_filter = ("task", "source")
    search_fields = ("text", "label")
    list_select_related = ("created_by",)
