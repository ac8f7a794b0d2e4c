"""Preparing stored messages for the batch path: parse, classify, check the sender, detect the
language and mask the source, without the database, so it can run in a helper process.

An import is CPU-bound Python: one process uses one core. `Preparer` forks one helper (after
Django has started, so it costs no start-up) that prepares batch N while the importing process
writes batch N-1 to the database; the database stays written by the importing process only, and
rows are stored and committed before they are prepared, exactly as without a helper. If the
helper cannot start or dies, the batch is prepared in the importing process instead.
"""

from __future__ import annotations

import ctypes
import email
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence, Set
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from django.conf import settings

from beacon.intake.email import identity, redaction
from beacon.intake.email.parsing import ParsedEmail, parse_source
from beacon.tickets import participants
from beacon.triage.language import detect_language

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawRow:
    """What preparing a stored row needs: its id, its bytes, its mailbox's address if known."""

    pk: int
    raw: bytes
    mailbox_address: str | None


@dataclass(frozen=True)
class Prepared:
    """A stored row, prepared. `single`: it takes the one-by-one path (bounce, robot, possible
    reply, attachments, or preparing it failed); the other fields are then unset."""

    pk: int
    single: bool
    parsed: ParsedEmail | None = None
    language: str = "en"
    who: identity.Identity | None = None
    redacted: bytes | None = (
        None  # the masked source; None when there was nothing to mask
    )


base_address = participants.base_address
is_robot = participants.is_automatic


def copied_others(parsed: ParsedEmail, ours: Set[str]) -> list[str]:
    """The To/Cc addresses that are not one of our mailboxes (nor a `+` alias of one)."""
    return [address for address in parsed.copied if base_address(address) not in ours]


def is_auto_reply(parsed: ParsedEmail) -> bool:
    """An out-of-office or other automatic answer: never a ticket, never answered."""
    auto = parsed.header("auto-submitted").split(";")[0].strip().lower()
    return (
        auto == "auto-replied"
        or bool(parsed.header("x-autoreply") or parsed.header("x-autorespond"))
        or parsed.header("precedence").lower() == "auto_reply"
    )


def language_of(parsed: ParsedEmail) -> str:
    """The language of a message from someone we do not know yet."""
    text = f"{parsed.subject}\n{parsed.visible_text}"
    if text.isascii():
        return "en"  # no other script to tell apart: skip the detector
    return (
        detect_language(
            text, [code for code, _name in settings.LANGUAGES], default="en"
        )
        or "en"
    )


def needs_single_path(
    parsed: ParsedEmail, ours: frozenset[str], mailbox_address: str | None
) -> bool:
    """Bounces, robots, our own mail, possible replies, attachments and copies to others: the
    one-by-one path."""
    return bool(
        parsed.is_report
        or parsed.header("x-failed-recipients")
        or not parsed.from_address
        or base_address(parsed.from_address) in ours
        or is_auto_reply(parsed)
        or is_robot(parsed.from_address)
        or parsed.files
        or parsed.subject_reference
        or parsed.thread_ids
        # Copies to others may add participants: the one-by-one path decides.
        or bool(copied_others(parsed, ours))
        or (
            mailbox_address is not None
            and identity.reference_from_token(parsed.recipients, mailbox_address)
        )
    )


def prepare_one(source: RawRow, ours: frozenset[str]) -> Prepared:
    try:
        message = email.message_from_bytes(source.raw)
        parsed = parse_source(message)
        if needs_single_path(parsed, ours, source.mailbox_address):
            return Prepared(source.pk, single=True)
        language = language_of(parsed)
        who = identity.check_sender(parsed, source.raw)
        # The secret spans of the source are masked once it is parsed (see redaction.py);
        # this reuses the parsed source, which nothing reads afterwards.
        redacted = redaction.redact_source(message, source.raw)
    except Exception:
        # The one-by-one path parses it again and records the error on the row.
        logger.warning("preparing inbound email %s failed", source.pk, exc_info=True)
        return Prepared(source.pk, single=True)
    return Prepared(
        source.pk,
        single=False,
        parsed=parsed,
        language=language,
        who=who,
        redacted=None if redacted == source.raw else redacted,
    )


def prepare_many(sources: Sequence[RawRow], ours: frozenset[str]) -> list[Prepared]:
    return [prepare_one(source, ours) for source in sources]


def _helper_init() -> None:
    """In the helper: die with the importing process (even on SIGKILL, which runs no clean-up
    there), and leave Ctrl-C to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def _single_threaded() -> bool:
    try:
        return sum(1 for _task in Path("/proc/self/task").iterdir()) == 1
    except OSError:  # no /proc: only the threads Python knows of
        return threading.active_count() == 1


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Preparer:
    """Prepares batches in one forked helper process, or in this process (`helpers=0`, one
    usable CPU, no fork, or a helper that failed)."""

    def __init__(self, *, helpers: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        # fork() copies only the calling thread: with other threads running (ours, or those a
        # native library started) it could copy a lock one of them holds, so then no helper.
        if helpers > 0 and _single_threaded():
            try:
                context = multiprocessing.get_context("fork")
                self._pool = ProcessPoolExecutor(
                    max_workers=helpers, mp_context=context, initializer=_helper_init
                )
                # Fork now, while this process is known to be single-threaded (the pool forks
                # on its first job and then starts a thread of its own).
                self._pool.submit(int).result()
            except (ValueError, OSError, RuntimeError):
                self._pool = None

    @property
    def forked(self) -> bool:
        """Whether batches go to a helper process."""
        return self._pool is not None

    def __enter__(self) -> Preparer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(
        self, sources: Sequence[RawRow], ours: frozenset[str]
    ) -> Future[list[Prepared]]:
        if self._pool is not None:
            try:
                return self._pool.submit(prepare_many, list(sources), ours)
            except RuntimeError:  # a broken pool
                self._pool = None
        done: Future[list[Prepared]] = Future()
        done.set_result(prepare_many(sources, ours))
        return done

    def result(
        self,
        job: Future[list[Prepared]],
        sources: Sequence[RawRow],
        ours: frozenset[str],
    ) -> list[Prepared]:
        """The job's outcome; prepared here if the helper failed."""
        try:
            return job.result()
        except Exception:
            logger.warning("email prepare helper failed; preparing here", exc_info=True)
            self._pool = None
            return prepare_many(sources, ours)
