"""Public ticket references: random, unguessable, easy to read aloud (e.g. BX-7K3F9QD2)."""

from __future__ import annotations

import re
import secrets

# Crockford's base32 without I, L, O, U: nothing that reads as another character.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "BX-"
LENGTH = 8  # 32**8 ≈ 1.1e12 values: guessing one that exists is hopeless at any sane request rate.
REFERENCE_RE = re.compile(rf"\b{PREFIX}[{ALPHABET}]{{{LENGTH}}}\b")


def new_reference() -> str:
    # One draw from the OS for all characters: 5 random bits pick each of the 32 letters, the
    # same uniform choice as secrets.choice per character, which read the OS once per letter.
    bits = secrets.randbits(5 * LENGTH)
    return PREFIX + "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))


def normalise_reference(text: str) -> str | None:
    """The reference in `text` (upper-cased, common look-alikes mapped), or None."""
    candidate = (
        text.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")
    )
    candidate = candidate.replace("8X-", "BX-")
    match = REFERENCE_RE.search(candidate)
    return match.group(0) if match else None
