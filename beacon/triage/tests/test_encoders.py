from __future__ import annotations

import numpy as np
import pytest

from beacon.triage.encoders import (
    ENCODER_DIMENSIONS,
    EncoderName,
    encode_all,
    get_encoder,
)


@pytest.mark.parametrize("name", ["use", "use_clauses", "minilm"])
def test_encoders_give_unit_rows_of_their_dimension(name: EncoderName) -> None:
    vectors = get_encoder(name).encode(["where is my card", "", "USDT 提币 pending"])

    assert vectors.shape == (3, ENCODER_DIMENSIONS[name])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("name", ["use", "minilm"])
def test_paraphrases_are_closer_than_unrelated_sentences(name: EncoderName) -> None:
    card, late_card, weather = get_encoder(name).encode(
        [
            "my card has not arrived yet",
            "the card you sent me still hasn't been delivered",
            "it will rain in paris tomorrow",
        ]
    )

    assert card @ late_card > card @ weather + 0.2


def test_clause_pooling_keeps_the_first_and_the_last_clause_apart() -> None:
    use = get_encoder("use")
    clause_a, clause_c = use.encode(["房间很干净", "服务员态度很差"])

    (pooled,) = get_encoder("use_clauses").encode(
        ["房间很干净, 早餐一般, 服务员态度很差"]
    )

    first, last = pooled[4 * 512 : 5 * 512], pooled[5 * 512 :]
    assert np.allclose(first / np.linalg.norm(first), clause_a, atol=1e-4)
    assert np.allclose(last / np.linalg.norm(last), clause_c, atol=1e-4)


def test_encode_all_reports_progress_per_chunk() -> None:
    seen: list[int] = []

    result = encode_all(["use"], ["a", "b", "c"], progress=seen.append, chunk=2)

    assert result["use"].shape == (3, 512)
    assert seen == [2, 1]
