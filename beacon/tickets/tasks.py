"""Ticket jobs: the after-commit hooks of a batch of changes (see hooks.after_commit_many)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from beacon.tickets import hooks


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]
def hooks_run_task(event: str, object_ids: list[int]) -> None:
    hooks.run_subscribers(event, object_ids)
