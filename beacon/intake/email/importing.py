"""Reading history to import: .eml files (or a folder of them), mbox files and Maildir folders."""

from __future__ import annotations

import fcntl
import hashlib
import mailbox as mailboxes
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

FORMATS = ("auto", "eml", "mbox", "maildir")


def detect_format(path: Path) -> str:
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return "maildir"
        return "eml"
    with path.open("rb") as handle:
        head = handle.read(5)
    return "mbox" if head == b"From " else "eml"


def count_messages(path: Path, fmt: str) -> int | None:
    if fmt == "eml":
        return len(list(_eml_files(path)))
    if fmt == "maildir":
        return len(mailboxes.Maildir(str(path), factory=None, create=False))
    return None  # counting an mbox means reading it twice


def _eml_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*") if p.is_file())


def read_messages(path: Path, fmt: str = "auto") -> Iterator[bytes]:
    """Raw bytes of each message, in a stable order (so a restarted import walks the same way)."""
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "eml":
        for file in _eml_files(path):
            yield file.read_bytes()
    elif fmt == "mbox":
        box = mailboxes.mbox(str(path), create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key)
        finally:
            box.close()
    elif fmt == "maildir":
        box_dir = mailboxes.Maildir(str(path), factory=None, create=False)
        for key in sorted(box_dir.iterkeys()):
            yield box_dir.get_bytes(key)
    else:
        raise ValueError(f"unknown format {fmt!r}")


class BatchClaim:
    """A claim on one batch of messages, so that overlapping imports of the same files split
    the work instead of storing and parsing the same batch at once and waiting on each other.

    The claim is an exclusive `flock` on a file named after the batch's dedup keys, held until
    the batch is written; the kernel drops it if the process dies. It only steers the work:
    that a message is stored and parsed once is still guaranteed by its unique dedup key."""

    def __init__(self, directory: Path, keys: Iterable[str]) -> None:
        digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{digest}.lock"
        self._handle: IO[bytes] | None = None

    def take(self, *, wait: bool) -> bool:
        """Claim the batch; without `wait`, False at once when another run holds it."""
        handle = self.path.open("ab")
        try:
            fcntl.flock(
                handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            )
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        # Removed while still held: a run that opened it meanwhile gets a stale file whose
        # lock it then takes at once, and finds the batch stored (a duplicate, as without
        # the claim), so no claim file outlives its batch.
        self.path.unlink(missing_ok=True)
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None
