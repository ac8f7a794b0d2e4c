from __future__ import annotations

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "beacon.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        # Auto-assignment runs after the ticket's own transaction has committed.
        from beacon.routing import tasks
        from beacon.tickets import hooks

        hooks.subscribe("ticket_created", tasks.enqueue_auto_assign)
        hooks.subscribe("ticket_updated", tasks.enqueue_auto_assign)
