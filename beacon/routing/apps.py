from __future__ import annotations

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "beacon.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from beacon.core import configcache
        from beacon.routing.models import RoutingRule

        configcache.watch(RoutingRule)

        # Auto-assignment runs after the ticket's own transaction has committed.
        from beacon.routing import tasks
        from beacon.tickets import hooks

        hooks.subscribe("ticket_created", tasks.enqueue_auto_assign)
        hooks.subscribe("ticket_updated", tasks.enqueue_auto_assign)

        # A routing rule's "SLA policy" action wins over the SLA engine's own policy matching.
        from beacon.routing.services import chosen_sla_policy_id
        from beacon.sla.services import register_policy_chooser

        register_policy_chooser(chosen_sla_policy_id)
