"""`beacon kb`: evaluate search, import and export articles, rebuild the index.

beacon kb eval --articles FILE --queries FILE [--cv 5] [--encoders use,minilm]
beacon kb export --format json|markdown --out PATH
beacon kb import PATH [--format json|markdown|zendesk] [--publish]
beacon kb reindex
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from beacon.knowledge import evaluation, indexing, transfer
from beacon.knowledge.embedding import ENCODER_LANGUAGES
from beacon.knowledge.engine import SearchIndex
from beacon.knowledge.evaluation import Report
from beacon.knowledge.search import (
    CALIBRATION_HYBRID,
    CALIBRATION_LEXICAL,
    WEIGHTS,
)


def _tick(bar: tqdm[Any], amount: int) -> None:
    bar.update(amount)


class Command(BaseCommand):
    help = "Help center: eval (search quality), export, import, reindex."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        evaluate = actions.add_parser(
            "eval", help="Index an FAQ file in a scratch engine and score every query."
        )
        evaluate.add_argument("--articles", type=Path, required=True, metavar="FILE")
        evaluate.add_argument("--queries", type=Path, required=True, metavar="FILE")
        evaluate.add_argument(
            "--encoders",
            default=None,
            help="Comma-separated encoders (default: KB_ENCODERS); empty for BM25 only.",
        )
        evaluate.add_argument(
            "--cv",
            type=int,
            metavar="K",
            help="K-fold cross-validation: weights and calibration chosen on K-1 folds.",
        )
        evaluate.add_argument(
            "--negatives",
            type=Path,
            metavar="FILE",
            help="Questions the articles do not answer (CSV with a text column, or JSONL with "
            "query): fit the confidence calibration on them and the queries, and print it.",
        )
        export = actions.add_parser("export", help="Write every article to files.")
        export.add_argument("--format", choices=("json", "markdown"), default="json")
        export.add_argument("--out", type=Path, required=True, metavar="PATH")
        load = actions.add_parser("import", help="Read articles from files.")
        load.add_argument("path", type=Path, metavar="PATH")
        load.add_argument(
            "--format", choices=("json", "markdown", "zendesk"), default=None
        )
        load.add_argument(
            "--publish", action="store_true", help="Publish what is imported."
        )
        actions.add_parser("reindex", help="Rebuild the search index of every article.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "eval":
            self._eval(options)
        elif action == "export":
            self._export(options)
        elif action == "import":
            self._import(options)
        elif action == "reindex":
            self._reindex()

    # --- eval ---------------------------------------------------------------------------

    def _eval(self, options: dict[str, Any]) -> None:
        for key in ("articles", "queries"):
            if not options[key].is_file():
                raise CommandError(_("%(file)s: no such file") % {"file": options[key]})
        try:
            articles = evaluation.read_articles(options["articles"])
            queries = evaluation.read_queries(options["queries"])
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        names = (
            list(settings.KB_ENCODERS)
            if options["encoders"] is None
            else [n.strip() for n in options["encoders"].split(",") if n.strip()]
        )
        encoders = evaluation.load_scratch_encoders(names)
        self.stdout.write(
            _("%(articles)d articles, %(queries)d queries; encoders: %(encoders)s")
            % {
                "articles": len(articles),
                "queries": len(queries),
                "encoders": ", ".join(encoders) or _("none (BM25 only)"),
            }
        )
        texts = sum(3 for _a in articles) * max(len(encoders), 1)
        with tqdm(total=texts, desc="embed", unit="text", disable=None) as bar:
            documents = evaluation.build_documents(
                articles, encoders, progress=lambda n: _tick(bar, n)
            )
        positions = {a.id: i for i, a in enumerate(articles)}
        unknown = {q.article_id for q in queries} - positions.keys()
        if unknown:
            raise CommandError(
                _("%(count)d queries name articles that are not in the articles file.")
                % {"count": len(unknown)}
            )
        if options["cv"] is not None:
            if options["cv"] < 2:
                raise CommandError(_("--cv needs at least 2 folds."))
            with tqdm(
                total=options["cv"], desc="folds", unit="fold", disable=None
            ) as bar:
                folds, report = evaluation.cross_validate(
                    documents,
                    encoders,
                    queries,
                    positions,
                    folds=options["cv"],
                    progress=lambda n: _tick(bar, 1),
                )
            for number, fold in enumerate(folds, start=1):
                weights = fold.weights
                mix = ", ".join(f"{k}={v}" for k, v in weights.dense.items())
                self.stdout.write(
                    _("fold %(n)d: bm25=%(bm25)s %(mix)s -> %(line)s")
                    % {
                        "n": number,
                        "bm25": weights.bm25,
                        "mix": mix,
                        "line": fold.report.last_line(),
                    }
                )
            self.stdout.write(
                _("held-out folds together (calibration fitted per fold):")
            )
        else:
            index = evaluation.make_index(
                documents,
                encoders,
                WEIGHTS,
                calibration=CALIBRATION_HYBRID if encoders else CALIBRATION_LEXICAL,
                encoder_languages=ENCODER_LANGUAGES,
            )
            with tqdm(
                total=len(queries), desc="queries", unit="query", disable=None
            ) as bar:
                ranked = evaluation.run_queries(
                    index, queries, positions, progress=lambda n: _tick(bar, n)
                )
            report = evaluation.score(ranked)
            if options["negatives"] is not None:
                self._fit(index, ranked, options["negatives"], positions)
        self._print(report)

    def _fit(
        self,
        index: SearchIndex,
        ranked: list[evaluation.Ranked],
        path: Path,
        positions: dict[str, int],
    ) -> None:
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": path})
        try:
            texts = evaluation.read_texts(path)
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        negatives = [evaluation.Query(t, "") for t in texts]
        found = [
            r
            for r in evaluation.run_queries(index, negatives, positions)
            if r.features != (0.0, 0.0, 0.0)
        ]
        calibration = evaluation.fit_calibration(list(ranked) + found)
        self.stdout.write(
            _(
                "%(n)d negatives, %(found)d with a hit; fitted calibration: %(calibration)s"
            )
            % {"n": len(negatives), "found": len(found), "calibration": calibration}
        )

    def _print(self, report: Report) -> None:
        self.stdout.write(
            _("queries: %(n)d; confidence Brier score (first hit right?): %(brier).3f")
            % {"n": report.queries, "brier": report.brier}
        )
        self.stdout.write(report.last_line())

    # --- transfer -----------------------------------------------------------------------

    def _export(self, options: dict[str, Any]) -> None:
        count = transfer.export_all(
            options["out"], fmt=options["format"], progress=self._bar("export")
        )
        self.stdout.write(
            _("%(count)d articles written to %(path)s")
            % {"count": count, "path": options["out"]}
        )

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(_("%(file)s: no such file") % {"file": path})
        try:
            fmt = options["format"] or transfer.guess_format(path)
            result = transfer.import_path(
                path, fmt=fmt, publish=options["publish"], progress=self._bar("import")
            )
        except transfer.ImportFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged articles"
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )

    def _reindex(self) -> None:
        bar = self._bar("reindex")
        count = indexing.index_all(progress=bar)
        self.stdout.write(_("%(count)d translations indexed") % {"count": count})

    def _bar(self, label: str) -> transfer.ProgressFn:
        bars: dict[str, tqdm[Any]] = {}

        def advance(amount: int, total: int | None = None) -> None:
            if label not in bars:
                bars[label] = tqdm(
                    total=total, desc=label, unit="article", disable=None
                )
            bars[label].update(amount)

        return advance
