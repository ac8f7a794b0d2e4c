"""Background jobs of routing: thin wrappers that take ids and call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beacon.routing import queries, services


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def auto_assign_task(ticket_id: int) -> None:
    services.ticket_auto_assign(ticket_id=ticket_id)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def pickup_task(user_id: int) -> None:
    services.agent_pickup(user_id=user_id)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def page_deliver_task(page_id: int) -> None:
    services.page_deliver(page_id=page_id)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def routing_sweep_task() -> None:
    """Every minute: pages a worker missed, and unassigned tickets someone can now take."""
    services.pages_retry_due()
    services.unassigned_sweep()


def enqueue_auto_assign(ticket_id: int) -> None:
    """Hook subscriber for ticket_created / ticket_updated (runs after commit)."""
    if queries.ticket_needs_assignment(ticket_id=ticket_id):
        auto_assign_task(ticket_id)
