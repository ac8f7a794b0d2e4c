"""The minute job: warn about and escalate due SLA targets (the work lives in services.sla_check).

Every worker's scheduler may enqueue it, so it can run twice in the same minute: sla_check claims
each escalation with a conditional UPDATE, so a second run finds nothing left to do."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beacon.sla.services import sla_check


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]
def sla_check_task() -> None:
    sla_check()
