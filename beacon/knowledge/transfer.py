"""Import and export of help-center content: JSON, Markdown files, Zendesk Help Center exports.

- JSON: one file, categories > sections > articles > translations (what `export --format json`
  writes, and what the demo loader uses).
- Markdown: a folder, `structure.json` with categories and sections, and one file per
  translation, `<category>/<section>/<key>.<language>.md`, with a front matter block of
  `name: value` lines between `---` lines, then the Markdown body.
- Zendesk: the JSON of Zendesk's Help Center API (`categories`, `sections`, `articles`, and
  optionally `translations` with `source_id`), bodies in HTML (kept: the renderer cleans it).

Imports are idempotent: articles are matched by key (`external_key`), and a translation whose
text did not change gets no new version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import transaction

from beacon.core.errors import DomainError
from beacon.knowledge import indexing, services
from beacon.knowledge.models import (
    LANGUAGES,
    LIVE_STATUSES,
    Article,
    KbCategory,
    Section,
    Translation,
    Visibility,
)

FORMAT_VERSION = 1
ZENDESK_LOCALES = {"en": "en", "en-us": "en", "en-gb": "en", "zh-cn": "zh-hans", "zh-hans": "zh-hans", "zh": "zh-hans"}  # fmt: skip


class ProgressFn(Protocol):
    def __call__(self, amount: int, total: int | None = None) -> None: ...


class ImportFailed(Exception):
    """The file cannot be imported; the message says where and why."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    translation_ids: list[int] = field(default_factory=list)


# --- export ----------------------------------------------------------------------------------


def _translation_dict(t: Translation) -> dict[str, Any]:
    return {
        "language": t.language,
        "title": t.title,
        "summary": t.summary,
        "body": t.body,
        "also_asked": t.asked_phrases(),
        "status": t.status,
    }


def _article_key(article: Article) -> str:
    return article.external_key or f"article-{article.pk}"


def export_data() -> dict[str, Any]:
    categories = []
    for category in KbCategory.objects.prefetch_related(
        "sections__articles__translations", "sections__articles__related"
    ):
        sections = []
        for section in category.sections.all():
            sections.append(
                {
                    "slug": section.slug,
                    "name_en": section.name_en,
                    "name_zh": section.name_zh,
                    "articles": [
                        {
                            "key": _article_key(a),
                            "visibility": a.visibility,
                            "source_language": a.source_language,
                            "related": sorted(_article_key(r) for r in a.related.all()),
                            "translations": [
                                _translation_dict(t) for t in a.translations.all()
                            ],
                        }
                        for a in section.articles.all()
                    ],
                }
            )
        categories.append(
            {
                "slug": category.slug,
                "name_en": category.name_en,
                "name_zh": category.name_zh,
                "description_en": category.description_en,
                "description_zh": category.description_zh,
                "sections": sections,
            }
        )
    return {
        "format": "beacon-help-center",
        "version": FORMAT_VERSION,
        "categories": categories,
    }


def export_all(path: Path, *, fmt: str, progress: ProgressFn | None = None) -> int:
    data = export_data()
    articles = [
        (c, s, a)
        for c in data["categories"]
        for s in c["sections"]
        for a in s["articles"]
    ]
    if fmt == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if progress is not None:
            progress(len(articles), len(articles))
        return len(articles)
    path.mkdir(parents=True, exist_ok=True)
    structure = [
        {**{k: v for k, v in c.items() if k != "sections"},
         "sections": [{k: v for k, v in s.items() if k != "articles"} for s in c["sections"]]}
        for c in data["categories"]
    ]  # fmt: skip
    (path / "structure.json").write_text(
        json.dumps(
            {"version": FORMAT_VERSION, "categories": structure},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    for category, section, article in articles:
        folder = path / category["slug"] / section["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        for t in article["translations"]:
            front = {
                "key": article["key"],
                "language": t["language"],
                "title": t["title"],
                "summary": t["summary"],
                "visibility": article["visibility"],
                "source_language": article["source_language"],
                "status": t["status"],
                "related": ", ".join(article["related"]),
            }
            lines = ["---", *(f"{k}: {_one_line(v)}" for k, v in front.items())]
            lines += [f"also_asked: {_one_line(p)}" for p in t["also_asked"]]
            lines += ["---", "", t["body"].rstrip(), ""]
            (folder / f"{article['key']}.{t['language']}.md").write_text(
                "\n".join(lines), encoding="utf-8"
            )
        if progress is not None:
            progress(1, len(articles))
    return len(articles)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


# --- import ----------------------------------------------------------------------------------


def guess_format(path: Path) -> str:
    if path.is_dir():
        return "markdown"
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed(
            f"{path}: not a JSON file or a folder of Markdown files ({error})"
        ) from error
    if isinstance(head, dict) and "articles" in head and "sections" in head:
        return "zendesk"  # Zendesk's API lists articles, sections, categories side by side.
    return "json"


def import_path(
    path: Path, *, fmt: str, publish: bool, progress: ProgressFn | None = None
) -> ImportResult:
    if fmt == "json":
        data = _read_json(path)
    elif fmt == "markdown":
        data = read_markdown_folder(path)
    elif fmt == "zendesk":
        data = zendesk_to_data(_read_json(path))
    else:
        raise ImportFailed(f"unknown format {fmt!r}")
    return import_data(data, publish=publish, progress=progress)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ImportFailed(f"{path}: expected a JSON object")
    return data


def _require(row: dict[str, Any], keys: Iterable[str], where: str) -> None:
    missing = [k for k in keys if not isinstance(row.get(k), str) or not row[k].strip()]
    if missing:
        raise ImportFailed(f"{where}: missing {', '.join(missing)}")


def import_data(
    data: dict[str, Any], *, publish: bool, progress: ProgressFn | None = None
) -> ImportResult:
    """Create or update everything in `data` in one transaction; then index what went live."""
    categories = data.get("categories")
    if not isinstance(categories, list):
        raise ImportFailed("the file has no list of categories")
    total = sum(
        len(s.get("articles", [])) for c in categories for s in c.get("sections", [])
    )
    result = ImportResult()
    related: dict[str, list[str]] = {}
    by_key: dict[str, Article] = {}
    with transaction.atomic():
        for c_pos, c in enumerate(categories):
            _require(c, ("slug", "name_en"), f"category {c_pos + 1}")
            category = services.category_ensure(
                slug=c["slug"], name_en=c["name_en"], name_zh=c.get("name_zh", ""),
                description_en=c.get("description_en", ""),
                description_zh=c.get("description_zh", ""), position=c_pos,
            )  # fmt: skip
            for s_pos, s in enumerate(c.get("sections", [])):
                _require(s, ("slug", "name_en"), f"section {c['slug']}/{s_pos + 1}")
                section = services.section_ensure(
                    category=category, slug=s["slug"], name_en=s["name_en"],
                    name_zh=s.get("name_zh", ""), position=s_pos,
                )  # fmt: skip
                for a_pos, a in enumerate(s.get("articles", [])):
                    article = _import_article(
                        a, section, a_pos, publish=publish, result=result
                    )
                    by_key[article.external_key] = article
                    related[article.external_key] = [
                        str(k) for k in a.get("related", [])
                    ]
                    if progress is not None:
                        progress(1, total)
        for key, wanted in related.items():
            targets = [by_key[k] for k in wanted if k in by_key] + list(
                Article.objects.filter(
                    external_key__in=[k for k in wanted if k not in by_key]
                )
            )
            by_key[key].related.add(*targets)
    # Publishing enqueued index jobs after commit; bulk loads also index right away here so
    # that search works before a worker runs (idempotent with the job).
    if result.translation_ids:
        indexing.index_translations(result.translation_ids)
    return result


def _import_article(
    a: dict[str, Any],
    section: Section,
    position: int,
    *,
    publish: bool,
    result: ImportResult,
) -> Article:
    _require(a, ("key",), f"article {section.slug}/{position + 1}")
    translations = a.get("translations")
    if not isinstance(translations, list) or not translations:
        raise ImportFailed(f"article {a['key']}: no translations")
    visibility = a.get("visibility", Visibility.PUBLIC)
    if visibility not in Visibility.values:
        raise ImportFailed(f"article {a['key']}: visibility must be public or internal")
    source = a.get("source_language") or translations[0].get("language", "en")
    article = Article.objects.filter(external_key=a["key"]).first()
    created = article is None
    try:
        if article is None:
            article = services.article_create(
                actor=None, section=section, source_language=source,
                visibility=visibility, external_key=a["key"], position=position,
            )  # fmt: skip
        elif article.section_id != section.pk or article.visibility != visibility:
            services.article_update(
                actor=None, article=article, section=section, visibility=visibility
            )
        changed = False
        # The source language first, so the other languages are not marked outdated by it.
        ordered = sorted(translations, key=lambda t: t.get("language") != source)
        for t in ordered:
            _require(t, ("language", "title", "body"), f"article {a['key']}")
            if t["language"] not in LANGUAGES:
                raise ImportFailed(
                    f"article {a['key']}: unknown language {t['language']!r}"
                )
            asked = t.get("also_asked", [])
            before = Translation.objects.filter(
                article=article, language=t["language"]
            ).first()
            saved = services.translation_save(
                actor=None, article=article, language=t["language"], title=t["title"],
                body=t["body"], summary=t.get("summary", ""),
                also_asked="\n".join(asked) if isinstance(asked, list) else str(asked),
                note="import",
            )  # fmt: skip
            this_changed = before is None or before.revision != saved.revision
            wants_live = publish or t.get("status") in LIVE_STATUSES
            if wants_live and (
                saved.published_revision != saved.revision or not saved.is_live
            ):
                services.translation_publish(actor=None, translation=saved)
                this_changed = True
            if this_changed:
                # Only what changed is re-indexed: a repeated import costs no embedding.
                result.translation_ids.append(saved.pk)
            changed |= this_changed
    except DomainError as error:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in error.fields.items())
        raise ImportFailed(f"article {a['key']}: {detail or error.message}") from error
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1
    return article


# --- Markdown folders ---------------------------------------------------------------------------


def parse_markdown(text: str, where: str) -> tuple[dict[str, Any], str]:
    """Front matter (`name: value` lines between `---` lines) and the body after it."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ImportFailed(
            f"{where}: the file must start with a --- front matter block"
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration as error:
        raise ImportFailed(
            f"{where}: the front matter block is not closed with ---"
        ) from error
    meta: dict[str, Any] = {"also_asked": []}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ImportFailed(f"{where}:{number}: expected 'name: value'")
        name, value = name.strip(), value.strip()
        if name == "also_asked":
            if value:
                meta["also_asked"].append(value)
        else:
            meta[name] = value
    return meta, "\n".join(lines[end + 1 :]).lstrip("\n").rstrip() + "\n"


def read_markdown_folder(path: Path) -> dict[str, Any]:
    structure_file = path / "structure.json"
    categories: dict[str, dict[str, Any]] = {}
    if structure_file.exists():
        for c in _read_json(structure_file).get("categories", []):
            categories[c["slug"]] = {
                **c,
                "sections": [{**s, "articles": []} for s in c.get("sections", [])],
            }
    articles: dict[tuple[str, str, str], dict[str, Any]] = {}
    for file in sorted(path.glob("*/*/*.md")):
        section_slug, category_slug = file.parent.name, file.parent.parent.name
        meta, body = parse_markdown(file.read_text(encoding="utf-8"), str(file))
        key = meta.get("key") or file.name.split(".")[0]
        entry = articles.setdefault(
            (category_slug, section_slug, key),
            {
                "key": key,
                "visibility": meta.get("visibility", Visibility.PUBLIC),
                "source_language": meta.get("source_language", ""),
                "related": [
                    r.strip() for r in meta.get("related", "").split(",") if r.strip()
                ],
                "translations": [],
            },
        )
        entry["translations"].append(
            {
                "language": meta.get("language", ""),
                "title": meta.get("title", ""),
                "summary": meta.get("summary", ""),
                "status": meta.get("status", ""),
                "also_asked": meta["also_asked"],
                "body": body,
            }
        )
    for (category_slug, section_slug, _key), article in articles.items():
        category = categories.setdefault(
            category_slug,
            {
                "slug": category_slug,
                "name_en": category_slug.replace("-", " ").title(),
                "sections": [],
            },
        )
        section = next(
            (s for s in category["sections"] if s["slug"] == section_slug), None
        )
        if section is None:
            section = {
                "slug": section_slug,
                "name_en": section_slug.replace("-", " ").title(),
                "articles": [],
            }
            category["sections"].append(section)
        section["articles"].append(article)
    return {"categories": list(categories.values())}


# --- Zendesk ------------------------------------------------------------------------------------


def zendesk_to_data(raw: dict[str, Any]) -> dict[str, Any]:
    """Zendesk Help Center API objects -> our JSON shape (article keys: zendesk-<id>)."""
    for name in ("categories", "sections", "articles"):
        if not isinstance(raw.get(name), list):
            raise ImportFailed(f"Zendesk export: no list of {name}")
    translations: dict[int, list[dict[str, Any]]] = {}
    for t in raw.get("translations", []):
        if t.get("source_type", "Article") == "Article" and "source_id" in t:
            translations.setdefault(int(t["source_id"]), []).append(t)
    categories: dict[int, dict[str, Any]] = {
        int(c["id"]): {
            "slug": f"zendesk-{c['id']}",
            "name_en": c.get("name") or f"Category {c['id']}",
            "description_en": c.get("description") or "",
            "sections": [],
        }
        for c in raw["categories"]
    }
    sections: dict[int, dict[str, Any]] = {}
    for s in raw["sections"]:
        section: dict[str, Any] | None = {
            "slug": f"zendesk-{s['id']}",
            "name_en": s.get("name") or f"Section {s['id']}",
            "articles": [],
        }
        assert section is not None
        sections[int(s["id"])] = section
        category = categories.get(int(s.get("category_id") or 0))
        if category is None:
            raise ImportFailed(
                f"Zendesk section {s['id']}: unknown category {s.get('category_id')}"
            )
        category["sections"].append(section)
    for a in raw["articles"]:
        section = sections.get(int(a.get("section_id") or 0))
        if section is None:
            raise ImportFailed(
                f"Zendesk article {a.get('id')}: unknown section {a.get('section_id')}"
            )
        language = ZENDESK_LOCALES.get(
            str(a.get("source_locale") or a.get("locale", "en")).lower(), "en"
        )
        items: list[dict[str, Any]] = [
            {
                "language": language,
                "title": a.get("title") or "",
                "body": a.get("body") or "",
                "status": "draft" if a.get("draft") else "published",
                "also_asked": [],
            }
        ]
        for t in translations.get(int(a["id"]), []):
            locale = ZENDESK_LOCALES.get(str(t.get("locale", "")).lower())
            if locale is None or locale == language:
                continue
            items.append(
                {
                    "language": locale,
                    "title": t.get("title") or "",
                    "body": t.get("body") or "",
                    "status": "draft" if t.get("draft") else "published",
                    "also_asked": [],
                }
            )
        section["articles"].append(
            {
                "key": f"zendesk-{a['id']}",
                "visibility": Visibility.PUBLIC,
                "source_language": language,
                "related": [],
                "translations": items,
            }
        )
    return {"categories": list(categories.values())}


__all__ = [
    "ImportFailed",
    "ImportResult",
    "ProgressFn",
    "export_all",
    "guess_format",
    "import_data",
    "import_path",
]
