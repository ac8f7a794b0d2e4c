"""Background jobs of live chat: thin wrappers around services."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beacon.chat import services


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def chat_queue_sweep_task() -> None:
    """Every minute: waiting chats to agents with room; long waits become tickets."""
    services.queue_sweep()
