"""Writing the search index table: one IndexEntry per live translation.

Called from the publish job (tasks.py) and from bulk loads (demo, import). Each change bumps
IndexState.generation in the same transaction, so every process sees a consistent picture the
next time it searches (search.py).
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable, Sequence

import numpy as np
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.text import slugify

from beacon.knowledge import analysis
from beacon.knowledge.embedding import (
    configured_encoders,
    document_texts,
    embed_documents,
)
from beacon.knowledge.engine import Matrix
from beacon.knowledge.models import (
    LIVE_STATUSES,
    IndexEntry,
    IndexState,
    Translation,
    TranslationVersion,
)
from beacon.knowledge.rendering import plain_text, snippet


def article_slug(title: str) -> str:
    """Readable URL part: ASCII words for English, the title's characters for Chinese."""
    return slugify(title, allow_unicode=True)[:60].strip("-") or "article"


def article_url(article_id: int, language: str, slug: str) -> str:
    return reverse(
        "knowledge:article",
        kwargs={"language": language, "article_id": article_id, "slug": slug},
    )


VECTORS_MAGIC = b"BKV1"


def pack_vectors(vectors: dict[str, Matrix]) -> bytes:
    """Bytes of each encoder's rows: name, row count, dimension, float32 values (little-endian)."""
    out = bytearray(VECTORS_MAGIC if vectors else b"")
    for name, matrix in sorted(vectors.items()):
        data = np.ascontiguousarray(matrix, dtype="<f4")
        encoded = name.encode()
        out += struct.pack("<BHH", len(encoded), data.shape[0], data.shape[1]) + encoded
        out += data.tobytes()
    return bytes(out)


def unpack_vectors(data: bytes | memoryview) -> dict[str, Matrix]:
    """The rows pack_vectors wrote; anything else (empty, another format) is no rows at all."""
    raw = memoryview(data)
    out: dict[str, Matrix] = {}
    if bytes(raw[: len(VECTORS_MAGIC)]) != VECTORS_MAGIC:
        return out
    offset = len(VECTORS_MAGIC)
    while offset < len(raw):
        size, rows, dimension = struct.unpack_from("<BHH", raw, offset)
        offset += 5
        name = bytes(raw[offset : offset + size]).decode()
        offset += size
        count = rows * dimension
        matrix = np.frombuffer(raw, dtype="<f4", count=count, offset=offset)
        out[name] = matrix.reshape(rows, dimension).astype(np.float32)
        offset += count * 4
    return out


def bump_generation(*, synonyms: bool = False) -> int:
    """Next generation number (inside the caller's transaction). A new row gets a new lineage."""
    state = IndexState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state = IndexState.objects.create(pk=1, lineage=secrets.token_hex(16))
    updates = {"generation": F("generation") + 1}
    if synonyms:
        updates["synonyms_generation"] = F("synonyms_generation") + 1
    IndexState.objects.filter(pk=1).update(**updates)
    state.refresh_from_db()
    return state.generation


def _entry_fields(
    translation: Translation,
    content: TranslationVersion,
    vectors: dict[str, Matrix],
    generation: int,
) -> dict[str, object]:
    article = translation.article
    body_text = plain_text(content.body)
    return {
        "article_id_value": article.pk,
        "language": translation.language,
        "visibility": article.visibility,
        "title": content.title,
        "url": article_url(
            article.pk, translation.language, translation.slug or "article"
        ),
        "snippet": snippet(content.summary, content.body),
        "title_terms": " ".join(analysis.terms(content.title)),
        "body_terms": " ".join(analysis.terms(f"{content.summary}\n{body_text}")),
        "asked_terms": "\n".join(
            " ".join(analysis.terms(p)) for p in asked_lines(content.also_asked)
        ),
        "vectors": pack_vectors(vectors),
        "active": True,
        "generation": generation,
    }


def index_translations(translation_ids: Sequence[int]) -> int:
    """(Re)index these translations: live ones get an entry, others lose theirs. Returns count."""
    translations = list(
        Translation.objects.filter(pk__in=translation_ids).select_related("article")
    )
    published = {
        (v.translation_id, v.number): v
        for v in TranslationVersion.objects.filter(translation_id__in=translation_ids)
    }
    live: list[tuple[Translation, TranslationVersion]] = []
    for translation in translations:
        content = published.get((translation.pk, translation.published_revision))
        if translation.status in LIVE_STATUSES and content is not None:
            live.append((translation, content))
    encoders = configured_encoders()
    texts = [
        document_texts(c.title, plain_text(c.body), asked_lines(c.also_asked))
        for _t, c in live
    ]
    embedded = embed_documents(encoders, texts)
    with transaction.atomic():
        generation = bump_generation()
        for position, (translation, content) in enumerate(live):
            vectors = {name: embedded[name][position] for name in embedded}
            IndexEntry.objects.update_or_create(
                translation=translation,
                defaults=_entry_fields(translation, content, vectors, generation),
            )
        gone = set(translation_ids) - {t.pk for t, _c in live}
        IndexEntry.objects.filter(translation_id__in=gone).update(
            active=False, generation=generation
        )
    return len(live)


def synonyms_changed() -> None:
    """Synonyms apply at query time: processes only need to know that they changed."""
    with transaction.atomic():
        bump_generation(synonyms=True)


def asked_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def index_all(
    *, batch: int = 200, progress: Callable[[int], None] | None = None
) -> int:
    """Reindex every translation (after an import, a demo load or an encoder change)."""
    ids = list(Translation.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        done += index_translations(chunk)
        if progress is not None:
            progress(len(chunk))
    stale = IndexEntry.objects.exclude(translation_id__in=ids)
    if stale.exists():
        with transaction.atomic():
            stale.update(active=False, generation=bump_generation())
    return done
