"""Reading history to import: .eml files (or a folder of them), mbox files and Maildir folders."""

from __future__ import annotations

import mailbox as mailboxes
from collections.abc import Iterator
from pathlib import Path

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
