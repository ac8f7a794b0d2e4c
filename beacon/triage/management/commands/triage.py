"""`beacon triage eval`: measure the intent or sentiment model on labelled CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from beacon.core.errors import DomainError
from beacon.triage.classifier import TextClassifier
from beacon.triage.eval import (
    HANDOFF_CONFIDENCE,
    TASKS,
    EvalReport,
    cross_validate,
    evaluate,
    read_csv,
)
from beacon.triage.models import Task
from beacon.triage.training import retrain


class TqdmProgress:
    """One progress bar per stage run ("embed", "train"), as the models report them."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm[Any]] = {}

    def __call__(self, stage: str, advance: int, total: int) -> None:
        if total == 0:
            return
        bar = self._bars.get(stage)
        if advance == 0 or bar is None or bar.total != total or bar.n >= total:
            if bar is not None:
                bar.close()
            # disable=None: bars on a terminal, silence in logs and tests.
            bar = tqdm(
                total=total,
                desc=stage,
                unit="text" if stage == "embed" else "fit",
                disable=None,
            )
            self._bars[stage] = bar
        if advance:
            bar.update(advance)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


class Command(BaseCommand):
    help = "Triage models: `eval` trains on one CSV (text,label) and scores another, or cross-validates."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        evaluate_parser = actions.add_parser(
            "eval", help="Train on --train, score --test (or --cv K folds of --train)."
        )
        evaluate_parser.add_argument("--task", choices=sorted(TASKS), required=True)
        evaluate_parser.add_argument(
            "--train", type=Path, required=True, metavar="FILE"
        )
        sides = evaluate_parser.add_mutually_exclusive_group(required=True)
        sides.add_argument("--test", type=Path, metavar="FILE")
        sides.add_argument(
            "--cv", type=int, metavar="K", help="K-fold cross-validation instead"
        )
        evaluate_parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="CPU threads for embedding while training.",
        )
        evaluate_parser.add_argument(
            "--max-in-scope-loss",
            type=float,
            metavar="POINTS",
            help="Most in-scope accuracy (percentage points, out-of-fold) the out-of-scope threshold may give up (intent; default 1).",
        )
        evaluate_parser.add_argument(
            "--save",
            type=Path,
            metavar="FILE",
            help="Write the trained model (with --test).",
        )

        train_parser = actions.add_parser(
            "train",
            help="Retrain from this deployment's history and corrections; activate if not worse.",
        )
        train_parser.add_argument(
            "--task", choices=["all", *Task.values], default="all"
        )
        train_parser.add_argument(
            "--force",
            action="store_true",
            help="Activate the new model even if it scores worse on the held-out slice.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "eval":
            self._eval(options)
        elif options["action"] == "train":
            self._train(options)

    def _train(self, options: dict[str, Any]) -> None:
        tasks = Task.values if options["task"] == "all" else [options["task"]]
        for task in tasks:
            progress = TqdmProgress()
            try:
                report = retrain(task, force=options["force"], progress=progress)
            except DomainError as error:
                raise CommandError(str(error.message)) from error
            finally:
                progress.close()
            active = (
                "-"
                if report.active_accuracy is None
                else f"{report.active_accuracy * 100:.2f} %"
            )
            self.stdout.write(
                _(
                    "%(task)s: %(examples)d examples, held-out %(holdout)d; candidate %(candidate).2f %%, active %(active)s"
                )
                % {
                    "task": task,
                    "examples": report.examples,
                    "holdout": report.holdout,
                    "candidate": report.candidate_accuracy * 100,
                    "active": active,
                }
            )
            if report.activated:
                self.stdout.write(
                    _("%(version)s is now active.") % {"version": report.version}
                )
            else:
                self.stdout.write(
                    _(
                        "%(version)s scored worse and was not activated (use --force to activate it anyway)."
                    )
                    % {"version": report.version}
                )

    def _eval(self, options: dict[str, Any]) -> None:
        task: str = options["task"]
        train = self._read(options["train"])
        self.stdout.write(
            _(
                "task: %(task)s; training file %(file)s: %(rows)d rows, %(labels)d labels"
            )
            % {
                "task": task,
                "file": options["train"],
                "rows": len(train[0]),
                "labels": len(set(train[1])),
            }
        )
        progress = TqdmProgress()
        model: TextClassifier | None = None
        if options["max_in_scope_loss"] is not None:
            model = TASKS[task](threads=options["threads"]).with_config(
                max_in_scope_loss=options["max_in_scope_loss"] / 100
            )
        try:
            if options["cv"] is not None:
                if options["cv"] < 2:
                    raise CommandError(_("--cv needs at least 2 folds."))
                report = cross_validate(
                    task,
                    train,
                    folds=options["cv"],
                    threads=options["threads"],
                    progress=progress,
                    model=model,
                )
                self.stdout.write(
                    _("%(folds)d-fold cross-validation, means over folds")
                    % {"folds": report.folds}
                )
            else:
                test = self._read(options["test"])
                self.stdout.write(
                    _("test file %(file)s: %(rows)d rows")
                    % {"file": options["test"], "rows": len(test[0])}
                )
                report, model = evaluate(
                    task,
                    train,
                    test,
                    threads=options["threads"],
                    progress=progress,
                    model=model,
                )
                if options["save"] is not None:
                    model.save(options["save"])
                    self.stdout.write(
                        _("model written to %(file)s") % {"file": options["save"]}
                    )
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        self._print(report)

    def _read(self, path: Path) -> tuple[list[str], list[str]]:
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": path})
        try:
            return read_csv(path)
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error

    def _print(self, report: EvalReport) -> None:
        scores = report.scores
        lines = [
            _("accuracy: %(value).2f %%") % {"value": scores.accuracy * 100},
            _("macro-F1: %(value).2f %%") % {"value": scores.macro_f1 * 100},
        ]
        if scores.oos_recall is not None:
            lines += [
                _("in-scope accuracy: %(value).2f %%")
                % {"value": (scores.in_scope_accuracy or 0) * 100},
                _("out-of-scope recall: %(value).2f %%")
                % {"value": scores.oos_recall * 100},
                _("out-of-scope precision: %(value).2f %%")
                % {"value": (scores.oos_precision or 0) * 100},
                _(
                    "hand-off rate (out of scope or confidence below %(threshold).2f): %(all).2f %% of all messages, %(oos).2f %% of out-of-scope, %(in_scope).2f %% of in-scope"
                )
                % {
                    "threshold": HANDOFF_CONFIDENCE,
                    "all": (scores.handoff_rate or 0) * 100,
                    "oos": (scores.handoff_oos or 0) * 100,
                    "in_scope": (scores.handoff_in_scope or 0) * 100,
                },
            ]
        lines += [
            _("training time: %(value).1f s") % {"value": report.train_seconds},
            _("latency of one message on one core: p50 %(p50).1f ms, p99 %(p99).1f ms")
            % {"p50": report.p50_ms, "p99": report.p99_ms},
            report.last_line(),
        ]
        for line in lines:
            self.stdout.write(line)
