"""`beacon email_import PATH`: take in history from .eml files, an mbox or a Maildir.

Each message is stored raw and then parsed, as if it had arrived now. Running it again (after
a crash, or on an overlapping export) adds nothing twice: messages are unique by Message-ID.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from beacon.intake.email import preparing
from beacon.intake.email.importing import (
    FORMATS,
    BatchClaim,
    count_messages,
    detect_format,
    read_messages,
)
from beacon.intake.email.models import Mailbox, Source
from beacon.intake.email.preparing import Prepared, Preparer, RawRow
from beacon.intake.email.services import (
    dedup_key_for,
    inbound_pending_ids,
    inbound_process_many,
    inbound_store_many,
    inbound_stored_keys,
    our_addresses,
    prepare_sources,
)


class Command(BaseCommand):
    help = "Import email history (.eml files or folder, mbox, Maildir) into tickets."
    # `beacon check` and the server run the system checks; an import does not repeat them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=FORMATS, default="auto")
        parser.add_argument(
            "--mailbox", help="slug of the mailbox the mail was sent to"
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=200,
            help="messages per transaction (default 200)",
        )
        parser.add_argument(
            "--helpers",
            type=int,
            default=None,
            help="helper processes that parse while this one writes (default: 1 with two or "
            "more CPUs, else 0)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        mailbox = None
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(slug=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"no mailbox with slug {options['mailbox']!r}")
        fmt = options["format"] if options["format"] != "auto" else detect_format(path)
        helpers = options["helpers"]
        if helpers is None:
            helpers = 1 if preparing.usable_cpus() >= 2 else 0
        started = timezone.now()
        counts = {"stored": 0, "duplicate": 0, "refused": 0}
        statuses: dict[str, int] = {}
        batch: list[bytes] = []
        claims = Path(settings.DATA_DIR) / "email-import-claims"
        # Batches an overlapping run had claimed: their keys, checked at the end.
        deferred: list[tuple[BatchClaim, list[str]]] = []
        # The batch being prepared (by the helper, while this process writes the one before).
        waiting: list[
            tuple[Future[list[Prepared]], list[RawRow], frozenset[str], BatchClaim]
        ] = []

        def write(preparer: Preparer) -> None:
            job, sources, ours, claim = waiting.pop()
            try:
                prepared = preparer.result(job, sources, ours)
                ids = [source.pk for source in sources]
                for status, count in inbound_process_many(
                    inbound_ids=ids, prepared=prepared
                ).items():
                    statuses[status] = statuses.get(status, 0) + count
            finally:
                claim.release()

        def flush(preparer: Preparer, *, wait: bool) -> None:
            # Another import of the same files (an overlapping run) may be on this batch: then
            # leave it to that run and go on with the next, so the two split the files instead
            # of storing, parsing and writing the same ones in turn.
            keys = [dedup_key_for(raw) for raw in batch]
            claim = BatchClaim(claims, [key for key, _mid, _sha in keys])
            if not claim.take(wait=wait):
                deferred.append((claim, [key for key, _mid, _sha in keys]))
                bar.update(len(batch))
                batch.clear()
                return
            # Stored in one statement and committed, then prepared (parsed, checked, masked)
            # while the previous batch is written in one transaction with bulk inserts (a
            # failing batch is redone one message at a time). A crash loses at most the parsing
            # of two batches, which the recovery below (or a re-run) redoes.
            try:
                stored = inbound_store_many(
                    raws=batch, source=Source.IMPORT, mailbox=mailbox, dedup_keys=keys
                )
            except BaseException:
                claim.release()
                raise
            mine = []
            for row, created, refusal in stored:
                if row is None:
                    counts["refused"] += 1
                    self.stderr.write(f"refused: {refusal}")
                    continue
                counts["stored" if created else "duplicate"] += 1
                # A row another run stored is parsed by that run (or by the sweep below).
                if created:
                    mine.append(row)
            sources = prepare_sources(mine)
            ours = our_addresses()
            job = preparer.submit(sources, ours)
            if waiting:
                write(preparer)
            waiting.append((job, sources, ours, claim))
            bar.update(len(batch))
            batch.clear()

        # disable=None: a bar on a terminal, silence in logs and tests. The helper is forked
        # first, before the bar starts its monitor thread.
        with (
            Preparer(helpers=helpers) as preparer,
            tqdm(total=count_messages(path, fmt), unit="msg", disable=None) as bar,
        ):
            for raw in read_messages(path, fmt):
                batch.append(raw)
                if len(batch) >= options["batch"]:
                    flush(preparer, wait=False)
            if batch:
                flush(preparer, wait=False)
            if waiting:
                write(preparer)
            # The batches left to the other run: once it is done with each, whatever it did
            # not store (it stopped, or a message was refused) is read again and stored here.
            missing: set[str] = set()
            for claim, keys in deferred:
                claim.take(wait=True)
                try:
                    found = inbound_stored_keys(keys)
                finally:
                    claim.release()
                counts["duplicate"] += sum(1 for key in keys if key in found)
                missing.update(key for key in keys if key not in found)
            if missing:
                for raw in read_messages(path, fmt):
                    if dedup_key_for(raw)[0] in missing:
                        batch.append(raw)
                        if len(batch) >= options["batch"]:
                            flush(preparer, wait=True)
                if batch:
                    flush(preparer, wait=True)
                if waiting:
                    write(preparer)
        # Rows an earlier, interrupted run stored but did not parse. Rows an overlapping run
        # stored since this one started are its own to parse (or the minute job's, if it dies).
        leftover, done = 0, set()
        while ids := [
            pk
            for pk in inbound_pending_ids(limit=options["batch"], before=started)
            if pk not in done
        ]:
            for status, count in inbound_process_many(inbound_ids=ids).items():
                statuses[status] = statuses.get(status, 0) + count
            leftover += len(ids)
            done.update(ids)
        summary = ", ".join(f"{k} {v}" for k, v in {**counts, **statuses}.items())
        self.stdout.write(f"{summary}, recovered {leftover}")
