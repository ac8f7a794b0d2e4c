"""`beacon kb eval`: reads the FAQ formats, prints the metrics with the agreed last line."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beacon.knowledge.evaluation import Ranked, score

ARTICLES = [
    {
        "id": "a",
        "title": "Reset your password",
        "body": "Use the forgot password link on the sign-in page.",
    },
    {
        "id": "b",
        "title": "Deposit not credited",
        "body": "Check the network, the memo and the confirmations.",
    },
    {
        "id": "c",
        "title": "Withdrawal fees",
        "body": "The fee depends on the coin and the network.",
    },
    {
        "id": "d",
        "title": "Two-factor authentication",
        "body": "Scan the QR code with an authenticator app.",
    },
]
QUERIES = [
    {"query": "I forgot my password", "article_id": "a"},
    {"query": "my deposit has not arrived", "article_id": "b"},
    {"query": "how much is the withdrawal fee", "article_id": "c"},
    {"query": "set up authenticator app", "article_id": "d"},
    {"query": "memo missing on deposit", "article_id": "b"},
    {"query": "password reset link", "article_id": "a"},
]
LAST_LINE = re.compile(
    r"^p_at_1=\d\.\d\d mrr_at_10=\d\.\d\d ndcg_at_10=\d\.\d\d recall_at_5=\d\.\d\d p50_ms=\d+\.\d p99_ms=\d+\.\d$"
)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    articles, queries = tmp_path / "articles.jsonl", tmp_path / "queries.jsonl"
    articles.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    queries.write_text("\n".join(json.dumps(q) for q in QUERIES), encoding="utf-8")
    return articles, queries


def test_eval_prints_metrics_with_the_agreed_last_line(tmp_path: Path) -> None:
    articles, queries = _files(tmp_path)
    out = StringIO()

    call_command(
        "kb",
        "eval",
        "--articles",
        str(articles),
        "--queries",
        str(queries),
        "--encoders",
        "",
        stdout=out,
    )

    last = out.getvalue().strip().splitlines()[-1]
    assert LAST_LINE.match(last), last
    assert last.startswith("p_at_1=1.00 mrr_at_10=1.00")


def test_cross_validation_reports_each_fold(tmp_path: Path) -> None:
    articles, queries = _files(tmp_path)
    out = StringIO()

    call_command(
        "kb",
        "eval",
        "--articles",
        str(articles),
        "--queries",
        str(queries),
        "--encoders",
        "",
        "--cv",
        "2",
        stdout=out,
    )

    text = out.getvalue()
    assert text.count("fold ") == 2
    assert LAST_LINE.match(text.strip().splitlines()[-1])


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    articles, queries = _files(tmp_path)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"query": "x"}\n', encoding="utf-8")

    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "kb",
            "eval",
            "--articles",
            str(tmp_path / "none.jsonl"),
            "--queries",
            str(queries),
        )
    with pytest.raises(CommandError, match="article_id"):
        call_command(
            "kb",
            "eval",
            "--articles",
            str(articles),
            "--queries",
            str(broken),
            "--encoders",
            "",
        )


def test_metrics() -> None:
    ranked = [
        Ranked(1, 0.9, (0, 0, 0), 0.001),
        Ranked(2, 0.4, (0, 0, 0), 0.002),
        Ranked(None, 0.1, (0, 0, 0), 0.003),
        Ranked(6, 0.2, (0, 0, 0), 0.004),
    ]

    report = score(ranked)

    assert report.p_at_1 == 0.25
    assert report.mrr_at_10 == pytest.approx((1 + 0.5 + 1 / 6) / 4)
    assert report.recall_at_5 == 0.5
    assert report.ndcg_at_10 == pytest.approx(
        (1 + 1 / 1.584962500721156 + 1 / 2.807354922057604) / 4
    )


# A scratch engine without synonyms; the product (below) has the demo's synonyms on top.
@pytest.mark.parametrize(("language", "minimum_mrr"), [("zh-hans", 0.75), ("en", 0.95)])
def test_demo_help_center_answers_paraphrased_questions(
    tmp_path: Path, language: str, minimum_mrr: float
) -> None:
    """Hand-written paraphrases (not the articles' own "also asked as") find the right article."""
    from beacon.knowledge.demo_content import HELP_CENTER

    rows = [
        {"id": a["key"], "title": t["title"], "body": t["summary"] + "\n" + t["body"]}
        for c in HELP_CENTER["categories"]
        for s in c["sections"]
        for a in s["articles"]
        for t in a["translations"]
        if t["language"] == language and a["visibility"] == "public"
    ]
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    suffix = "zh" if language == "zh-hans" else "en"
    queries = Path(__file__).parent / "samples" / f"demo_queries_{suffix}.jsonl"
    out = StringIO()

    call_command(
        "kb", "eval", "--articles", str(articles), "--queries", str(queries), stdout=out
    )

    last = out.getvalue().strip().splitlines()[-1]
    mrr = float(re.search(r"mrr_at_10=(\d\.\d\d)", last).group(1))  # type: ignore[union-attr]
    assert mrr >= minimum_mrr, last


@pytest.mark.django_db
def test_product_search_answers_chinese_paraphrases_with_synonyms() -> None:
    from beacon.knowledge.demo import load_help_center
    from beacon.knowledge.models import Article
    from beacon.knowledge.search import kb_search

    load_help_center()
    keys = dict(Article.objects.values_list("pk", "external_key"))
    lines = (Path(__file__).parent / "samples" / "demo_queries_zh.jsonl").read_text(
        encoding="utf-8"
    )
    reciprocal = 0.0
    rows = [json.loads(line) for line in lines.splitlines() if line.strip()]
    for row in rows:
        hits = kb_search(query=row["query"], language="zh-hans", limit=10)
        ranks = [
            i + 1 for i, h in enumerate(hits) if keys[h.article_id] == row["article_id"]
        ]
        reciprocal += 1 / ranks[0] if ranks else 0.0

    assert reciprocal / len(rows) >= 0.85
