"""Triage jobs: reading each message after its commit, the repair sweep, clustering, retraining.

Messages reach triage through a job, so creating a ticket or replying costs the customer
nothing for the models. If a process dies between commit and enqueue (or the broker is down),
the minute sweep triages every recent message that has no finished result: a lost job delays
triage by a minute, it never skips a message. The result row's lock makes two runs agree.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from beacon.triage.models import Task

# The modules doing the work (scikit-learn, the encoders: about a second to import) are imported
# inside each job, so that every process that registers these jobs (the web server, commands such
# as `beacon email_import`) does not pay for them at start-up; the worker loads them once.

logger = logging.getLogger(__name__)


@HUEY.on_startup()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def default_models_ready() -> None:
    """A worker makes sure the default models exist before it takes jobs (as `beacon serve`
    does), so the first triage job never trains them while pages and notices wait behind it."""
    from beacon.triage import training

    if not settings.TRIAGE_ENABLED:
        return
    try:
        training.ensure_defaults()
    except DatabaseError:
        # Not migrated yet: the first triage job trains them instead.
        logger.warning("Default triage models not prepared: database not ready")


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def triage_ticket_task(ticket_id: int) -> None:
    from beacon.triage import services

    services.triage_ticket(ticket_id=ticket_id)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def triage_message_task(message_id: int) -> None:
    from beacon.triage import services

    services.triage_message(message_id=message_id)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def corrections_task(ticket_id: int) -> None:
    from beacon.triage import services

    services.corrections_from_history(ticket_id)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def retrain_task(task: str) -> None:
    from beacon.triage import training

    with lock_task(f"triage-retrain-{task}"):
        training.retrain(task)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def triage_sweep_task() -> None:
    """Every minute: messages whose triage job was lost, or failed and may be retried."""
    from beacon.triage import services

    services.triage_missing()


@db_periodic_task(crontab(minute="*/2"))  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def incidents_detect_task() -> None:
    """Every two minutes: bursts of similar tickets become proposed incidents."""
    from beacon.triage import clustering

    with lock_task("triage-incidents"):
        clustering.incidents_detect()


@db_periodic_task(crontab(hour="2", minute="30"))  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def retrain_nightly_task() -> None:
    """Every night: retrain from the day's history; the candidate goes live only if not worse."""
    from beacon.triage import training

    for task in Task.values:
        with lock_task(f"triage-retrain-{task}"):
            training.retrain(task)


def enqueue_ticket(ticket_id: int) -> None:
    """Hook subscriber for ticket_created (runs after commit)."""
    triage_ticket_task(ticket_id)


def enqueue_message(message_id: int) -> None:
    """Hook subscriber for message_added (runs after commit); the job skips staff messages."""
    triage_message_task(message_id)


def enqueue_corrections(ticket_id: int) -> None:
    """Hook subscriber for ticket_updated: an agent's category or priority change teaches."""
    corrections_task(ticket_id)
