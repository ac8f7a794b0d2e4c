"""SLA jobs: keeping targets in step with ticket changes, and the minute check.

Ticket changes reach SLAs through a job rather than inside the request, so a create or reply costs
the customer nothing for them; targets count from the ticket's own timestamps, so a job that runs
a moment later computes the same deadlines. If a process dies between commit and enqueue, the
minute check starts the targets of any recent ticket that has none.

Every worker's scheduler may enqueue the minute job, so it can run twice in the same minute:
sla_check claims each escalation with a conditional UPDATE, so a second run finds nothing left."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beacon.sla import services
from beacon.sla.services import sla_check, sla_start_missing

_HANDLERS = {
    "ticket_created": services.on_ticket_created,
    "message_added": services.on_message_added,
    "ticket_updated": services.on_ticket_changed,
    "ticket_merged": services.on_ticket_changed,
}


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]
def sla_follow_task(event: str, object_id: int) -> None:
    _HANDLERS[event](object_id)


def enqueue_follow(event: str) -> services.Handler:
    """A hooks subscriber that hands `event` to the job queue."""

    def enqueue(object_id: int) -> None:
        sla_follow_task(event, object_id)

    return enqueue


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]
def sla_check_task() -> None:
    sla_start_missing()
    sla_check()


@db_periodic_task(crontab(hour="1", minute="0"))  # type: ignore[untyped-decorator,misc,unused-ignore]
def digests_send_task() -> None:
    """Every day at 01:00 UTC (09:00 in China): the leads' digest."""
    from beacon.sla.digest import digests_send

    digests_send()
