"""Dense side of search: which texts of an article are embedded, and with which encoders.

The encoders are the packaged ones of beacon.triage.encoders (nothing is downloaded). They are
optional at run time: an encoder that cannot load is logged once and left out, and search goes
on with BM25 alone. Each is loaded lazily, once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
from django.conf import settings

from beacon.knowledge.engine import Matrix, QueryEncoder

logger = logging.getLogger(__name__)

# Encoders that understand only some languages: a query in another language skips them.
ENCODER_LANGUAGES: dict[str, frozenset[str]] = {"minilm": frozenset({"en"})}
KNOWN_ENCODERS = ("use", "minilm")
BODY_CHARACTERS = (
    1000  # the encoders read ~128 tokens; the opening of the body is what counts
)


def document_texts(title: str, body: str, asked: Sequence[str]) -> list[str]:
    """Texts embedded for one article: title, title with the opening of the body, each phrasing."""
    opening = " ".join(body.split())[:BODY_CHARACTERS]
    return [title, f"{title}. {opening}", *[a for a in asked if a.strip()]]


@cache
def _load(name: str, threads: int) -> QueryEncoder | None:
    from beacon.triage.encoders import get_encoder

    if name not in KNOWN_ENCODERS:
        logger.warning("Unknown knowledge-base encoder %r ignored", name)
        return None
    try:
        encoder = get_encoder(name, threads)
        encoder.encode(["warm up"])
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        logger.warning(
            "Encoder %s could not load (%s): search uses BM25 without it", name, error
        )
        return None
    return encoder


def load_encoders(names: Sequence[str], threads: int = 1) -> dict[str, QueryEncoder]:
    out: dict[str, QueryEncoder] = {}
    for name in names:
        encoder = _load(name, threads)
        if encoder is not None:
            out[name] = encoder
    return out


def configured_encoders() -> dict[str, QueryEncoder]:
    """The encoders named by KB_ENCODERS (empty: BM25 only)."""
    return load_encoders(list(settings.KB_ENCODERS))


def embed_documents(
    encoders: dict[str, QueryEncoder],
    texts: Sequence[Sequence[str]],
    *,
    progress: Callable[[int], None] | None = None,
    chunk: int = 256,
) -> dict[str, list[Matrix]]:
    """Per encoder, one matrix per document with a row for each of its texts."""
    flat = [t for group in texts for t in group]
    bounds = np.cumsum([len(g) for g in texts])[:-1]
    out: dict[str, list[Matrix]] = {}
    for name, encoder in encoders.items():
        parts = []
        for start in range(0, len(flat), chunk):
            parts.append(encoder.encode(flat[start : start + chunk]))
            if progress is not None:
                progress(len(flat[start : start + chunk]))
        matrix = (
            np.vstack(parts).astype(np.float32)
            if parts
            else np.zeros((0, 1), dtype=np.float32)
        )
        out[name] = np.split(matrix, bounds) if texts else []
    return out
