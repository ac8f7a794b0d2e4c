from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "beacon.sla"
    label = "sla"
    verbose_name = "SLAs"

    def ready(self) -> None:
        # Keep targets in step with ticket changes; the handlers run after the ticket's commit.
        from beacon.sla import services
        from beacon.tickets import hooks

        hooks.subscribe("ticket_created", services.on_ticket_created)
        hooks.subscribe("message_added", services.on_message_added)
        hooks.subscribe("ticket_updated", services.on_ticket_changed)
        hooks.subscribe("ticket_merged", services.on_ticket_changed)
