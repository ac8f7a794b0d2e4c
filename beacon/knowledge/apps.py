from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "beacon.knowledge"
    label = "knowledge"
    verbose_name = _("Help center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A request filed soon after reading a suggested article means it did not deflect.
        from beacon.knowledge.services import deflection_cancel_for_ticket
        from beacon.tickets import hooks

        hooks.subscribe("ticket_created", deflection_cancel_for_ticket)
