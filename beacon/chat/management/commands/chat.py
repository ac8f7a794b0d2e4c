"""`beacon chat eval`: how well the assistant decides between answering and handing off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from beacon.chat.evaluation import evaluate_handoff
from beacon.triage.eval import read_csv
from beacon.triage.management.commands.triage import TqdmProgress


class Command(BaseCommand):
    help = "Live chat: `eval` trains the assistant's intent model on --train and scores its hand-off decisions on --test."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        evaluate = actions.add_parser(
            "eval",
            help="Hand-off quality on labelled CSV files (text,label; oos rows).",
        )
        evaluate.add_argument("--train", type=Path, required=True, metavar="FILE")
        evaluate.add_argument("--test", type=Path, required=True, metavar="FILE")
        evaluate.add_argument(
            "--model",
            choices=["small", "full"],
            default="small",
            help="small: n-grams only, what the assistant trains by default; full: triage's model with sentence encoders.",
        )
        evaluate.add_argument("--threads", type=int, default=1)
        evaluate.add_argument(
            "--save",
            type=Path,
            metavar="FILE",
            help="Write the model (for CHAT_INTENT_MODEL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        train = self._read(options["train"])
        test = self._read(options["test"])
        self.stdout.write(
            _(
                "training file %(file)s: %(rows)d rows; test file %(test)s: %(test_rows)d rows"
            )
            % {
                "file": options["train"],
                "rows": len(train[0]),
                "test": options["test"],
                "test_rows": len(test[0]),
            }
        )
        progress = TqdmProgress()
        try:
            report, model = evaluate_handoff(
                train,
                test,
                size=options["model"],
                threads=options["threads"],
                progress=progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        if options["save"] is not None:
            model.save(options["save"])
        scores = report.scores
        for label, value in (
            (_("in-scope accuracy"), scores.in_scope_accuracy),
            (_("out-of-scope recall"), scores.oos_recall),
            (_("out-of-scope precision"), scores.oos_precision),
            (_("hand-off rate (all messages)"), report.handoff_rate),
            (_("hand-off rate (in-scope messages)"), report.in_scope_handoff_rate),
            (_("hand-off rate (out-of-scope messages)"), report.oos_handoff_rate),
        ):
            self.stdout.write(f"{label}: {(value or 0.0) * 100:.2f} %")
        self.stdout.write(
            _(
                "training: %(seconds).1f s; one message: p50 %(p50).1f ms, p99 %(p99).1f ms"
            )
            % {
                "seconds": report.train_seconds,
                "p50": report.p50_ms,
                "p99": report.p99_ms,
            }
        )
        self.stdout.write(report.last_line())

    def _read(self, path: Path) -> tuple[list[str], list[str]]:
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": path})
        try:
            return read_csv(path)
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
