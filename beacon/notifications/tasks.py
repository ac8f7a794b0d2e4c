"""Huey tasks for the outbox: thin, they call services.deliveries_drain.

Kicked after each commit that wrote outbox rows; the periodic run picks up retries that came
due and anything left behind by a worker that died.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beacon.notifications import services


@db_task()  # type: ignore[untyped-decorator]  # huey ships no type hints
def deliveries_drain_task() -> int:
    return services.deliveries_drain()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def deliveries_drain_periodic() -> int:
    return services.deliveries_drain()
