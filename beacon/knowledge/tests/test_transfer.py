"""Import and export: JSON, Markdown folders, Zendesk Help Center exports; idempotent imports."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beacon.accounts.models import User
from beacon.knowledge import transfer
from beacon.knowledge.models import Article, Translation, TranslationStatus
from beacon.knowledge.search import kb_search
from beacon.knowledge.tests.conftest import Capture

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


def _roundtrip_source(tmp_path: Path) -> Path:
    data = {
        "categories": [
            {
                "slug": "fees",
                "name_en": "Fees",
                "name_zh": "费用",
                "sections": [
                    {
                        "slug": "trading",
                        "name_en": "Trading",
                        "articles": [
                            {
                                "key": "maker-taker",
                                "related": ["vip"],
                                "translations": [
                                    {
                                        "language": "en",
                                        "title": "Maker and taker",
                                        "body": "Maker adds **liquidity**.",
                                        "also_asked": ["what is a maker"],
                                        "status": "published",
                                    },
                                    {
                                        "language": "zh-hans",
                                        "title": "挂单和吃单",
                                        "body": "挂单增加流动性。",
                                        "status": "draft",
                                    },
                                ],
                            },
                            {
                                "key": "vip",
                                "translations": [
                                    {
                                        "language": "en",
                                        "title": "VIP tiers",
                                        "body": "Volume lowers fees.",
                                        "status": "published",
                                    }
                                ],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_import_is_idempotent_and_searchable(tmp_path: Path) -> None:
    source = _roundtrip_source(tmp_path)
    out = StringIO()

    call_command("kb", "import", str(source), stdout=out)
    call_command("kb", "import", str(source), stdout=out)

    assert "2 new" in out.getvalue() and "2 unchanged" in out.getvalue()
    assert Article.objects.count() == 2
    maker = Article.objects.get(external_key="maker-taker")
    assert [a.external_key for a in maker.related.all()] == ["vip"]
    assert (
        Translation.objects.get(article=maker, language="zh-hans").status
        == TranslationStatus.DRAFT
    )
    hits = kb_search(query="maker liquidity", language="en")
    assert hits[0].article_id == maker.pk


def test_export_then_import_as_markdown_and_json(tmp_path: Path) -> None:
    call_command("kb", "import", str(_roundtrip_source(tmp_path)), stdout=StringIO())

    call_command(
        "kb",
        "export",
        "--format",
        "markdown",
        "--out",
        str(tmp_path / "md"),
        stdout=StringIO(),
    )
    call_command(
        "kb",
        "export",
        "--format",
        "json",
        "--out",
        str(tmp_path / "all.json"),
        stdout=StringIO(),
    )

    md = (tmp_path / "md" / "fees" / "trading" / "maker-taker.en.md").read_text(
        encoding="utf-8"
    )
    assert (
        md.startswith("---\nkey: maker-taker\n") and "also_asked: what is a maker" in md
    )
    assert "Maker adds **liquidity**." in md
    exported = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert (
        exported["categories"][0]["sections"][0]["articles"][0]["key"] == "maker-taker"
    )

    data = transfer.read_markdown_folder(tmp_path / "md")
    article = data["categories"][0]["sections"][0]["articles"][0]
    assert article["key"] == "maker-taker" and article["related"] == ["vip"]
    assert {t["language"] for t in article["translations"]} == {"en", "zh-hans"}
    assert transfer.import_data(data, publish=False).unchanged == 2


def test_zendesk_export_import(capture_index: None) -> None:
    call_command(
        "kb", "import", str(SAMPLES / "zendesk_export.json"), stdout=StringIO()
    )

    article = Article.objects.get(external_key="zendesk-360201")
    zh = Translation.objects.get(article=article, language="zh-hans")
    draft = Article.objects.get(external_key="zendesk-360202")
    assert zh.title == "如何充值" and zh.status == TranslationStatus.PUBLISHED
    assert draft.translations.get().status == TranslationStatus.DRAFT
    assert kb_search(query="如何充值", language="zh-hans")[0].article_id == article.pk


def test_bad_files_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    no_title = tmp_path / "no_title.json"
    no_title.write_text(
        json.dumps(
            {
                "categories": [
                    {
                        "slug": "a",
                        "name_en": "A",
                        "sections": [
                            {
                                "slug": "b",
                                "name_en": "B",
                                "articles": [
                                    {
                                        "key": "k",
                                        "translations": [
                                            {"language": "en", "body": "x"}
                                        ],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    bad_md = tmp_path / "md" / "cat" / "sec"
    bad_md.mkdir(parents=True)
    (bad_md / "x.en.md").write_text("no front matter", encoding="utf-8")

    for path, expected in (
        (broken, "not"),
        (no_title, "missing title"),
        (tmp_path / "md", "front matter"),
    ):
        with pytest.raises(CommandError, match=expected):
            call_command("kb", "import", str(path), stdout=StringIO())
    assert Article.objects.count() == 0  # nothing half-imported


@pytest.fixture
def capture_index(django_capture_on_commit_callbacks: Capture) -> None:
    return None


def test_demo_help_center_loads_and_answers_in_both_languages(editor: User) -> None:
    from beacon.knowledge.demo import load_help_center

    first = load_help_center()
    again = load_help_center()

    assert first.created == 19 and again.created == 0 and again.updated == 0
    assert again.translation_ids == []  # nothing re-embedded on a repeated load
    assert kb_search(query="谷歌验证器丢了怎么办", language="zh-hans")[
        0
    ].title.startswith("手机丢失")
    assert kb_search(query="seller not releasing coins p2p", language="en")[
        0
    ].title.startswith("P2P")
    internal = Article.objects.get(external_key="agent-deposit-playbook")
    assert internal.pk not in [
        h.article_id
        for h in kb_search(query="uncredited deposit checks wallet team", limit=10)
    ]
