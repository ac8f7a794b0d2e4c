"""Ticket references: format and randomness."""

from __future__ import annotations

from collections import Counter

from beacon.tickets.reference import (
    ALPHABET,
    LENGTH,
    PREFIX,
    REFERENCE_RE,
    new_reference,
)


def test_a_new_reference_has_the_prefix_and_eight_letters_of_the_alphabet() -> None:
    reference = new_reference()

    assert REFERENCE_RE.fullmatch(reference)
    assert reference.startswith(PREFIX)
    assert len(reference) == len(PREFIX) + LENGTH


def test_every_position_uses_the_whole_alphabet_evenly() -> None:
    references = [new_reference() for _ in range(4000)]

    assert len(set(references)) == len(references)
    for position in range(len(PREFIX), len(PREFIX) + LENGTH):
        counts = Counter(reference[position] for reference in references)
        # 4,000 draws over 32 letters: 125 expected each; a stuck or biased bit is far off.
        assert set(counts) == set(ALPHABET)
        assert max(counts.values()) < 200
        assert min(counts.values()) > 60
