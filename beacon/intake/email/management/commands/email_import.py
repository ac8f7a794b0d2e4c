"""`beacon email_import PATH`: take in history from .eml files, an mbox or a Maildir.

Each message is stored raw and then parsed, as if it had arrived now. Running it again (after
a crash, or on an overlapping export) adds nothing twice: messages are unique by Message-ID.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from beacon.core.errors import DomainError
from beacon.intake.email.importing import (
    FORMATS,
    count_messages,
    detect_format,
    read_messages,
)
from beacon.intake.email.models import InboundStatus, Mailbox, Source
from beacon.intake.email.services import (
    inbound_process,
    inbound_process_pending,
    inbound_store,
)


class Command(BaseCommand):
    help = "Import email history (.eml files or folder, mbox, Maildir) into tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=FORMATS, default="auto")
        parser.add_argument(
            "--mailbox", help="slug of the mailbox the mail was sent to"
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=50,
            help="messages per transaction (default 50)",
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
        counts = {"stored": 0, "duplicate": 0, "refused": 0}
        statuses: dict[str, int] = {}
        batch: list[bytes] = []

        def flush() -> None:
            # One transaction per batch (each message in its own savepoint): an import has no
            # source to acknowledge, and a crash only loses the batch, which a re-run redoes.
            with transaction.atomic():
                for raw in batch:
                    self._one(raw, mailbox, counts, statuses)
            bar.update(len(batch))
            batch.clear()

        # disable=None: a bar on a terminal, silence in logs and tests.
        with tqdm(total=count_messages(path, fmt), unit="msg", disable=None) as bar:
            for raw in read_messages(path, fmt):
                batch.append(raw)
                if len(batch) >= options["batch"]:
                    flush()
            if batch:
                flush()
        # Rows an earlier, interrupted run stored but did not parse.
        leftover = inbound_process_pending()
        summary = ", ".join(f"{k} {v}" for k, v in {**counts, **statuses}.items())
        self.stdout.write(f"{summary}, recovered {leftover}")

    def _one(
        self,
        raw: bytes,
        mailbox: Mailbox | None,
        counts: dict[str, int],
        statuses: dict[str, int],
    ) -> None:
        try:
            row, created = inbound_store(raw=raw, source=Source.IMPORT, mailbox=mailbox)
        except DomainError as exc:
            counts["refused"] += 1
            self.stderr.write(f"refused: {exc.message}")
            return
        counts["stored" if created else "duplicate"] += 1
        if row.status == InboundStatus.RECEIVED:
            status = inbound_process(inbound_id=row.pk)
            if status:
                statuses[status] = statuses.get(status, 0) + 1
