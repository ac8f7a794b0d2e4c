"""Appends notices as JSON lines to a file (DATA_DIR/outbox-sms.jsonl, outbox-push.jsonl)."""

from __future__ import annotations

import fcntl
import json
from dataclasses import asdict
from pathlib import Path

from beacon.notifications.backends import OutgoingMessage


class FileBackend:
    def __init__(self, *, path: Path) -> None:
        self.path = path

    def send(self, message: OutgoingMessage) -> None:
        line = json.dumps(asdict(message), ensure_ascii=False, sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            # Several workers may append at once; one lock per line keeps lines whole.
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line)
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
