"""Email jobs: the minute poll of IMAP mailboxes, and parsing of stored messages.

Every worker's scheduler may enqueue the poll, so two can overlap: storing is unique per
message and parsing locks its row, so overlapping runs create nothing twice.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beacon.intake.email.imap import mailboxes_poll
from beacon.intake.email.services import inbound_process, inbound_process_pending


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]
def inbound_process_task(inbound_id: int) -> None:
    inbound_process(inbound_id=inbound_id)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]
def mailboxes_poll_task() -> None:
    mailboxes_poll()
    # Rows a crashed run stored but never parsed (a minute old, so not someone's in flight).
    inbound_process_pending(older_than_seconds=60)
