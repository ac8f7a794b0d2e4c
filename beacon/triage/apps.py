from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "beacon.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        # Every message is read once, in a job after its transaction committed.
        from beacon.tickets import hooks
        from beacon.triage import tasks

        hooks.subscribe("ticket_created", tasks.enqueue_ticket)
        hooks.subscribe("message_added", tasks.enqueue_message)
        hooks.subscribe("ticket_updated", tasks.enqueue_corrections)
