"""Test helper: whether the writers' turn (beacon/core/writer.py) is free right now."""

from __future__ import annotations

import fcntl
from pathlib import Path

from django.conf import settings


def writer_turn_is_free() -> bool:
    """Whether another writer (another open file, as another process has) could take the turn."""
    path = Path(settings.DATA_DIR) / "create-writer.lock"
    with path.open("a") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True
