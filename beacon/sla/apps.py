from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "beacon.sla"
    label = "sla"
    verbose_name = "SLAs"

    def ready(self) -> None:
        # Keep targets in step with ticket changes: after the ticket's commit, through a job.
        from beacon.sla import tasks
        from beacon.tickets import hooks

        for event in (
            "ticket_created",
            "message_added",
            "ticket_updated",
            "ticket_merged",
        ):
            hooks.subscribe(event, tasks.enqueue_follow(event))
