"""What a demo storyline is: bilingual texts for each turn of one kind of conversation.

Texts are `str.format` templates filled from the ticket's context (coin, network, txid,
customer, agent, ...; see loader.build_context). Each turn lists variants; the loader picks
one per ticket with the seeded random generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    en: tuple[str, ...]
    zh: tuple[str, ...]

    def pick(self, rng: random.Random, language: str, context: dict[str, str]) -> str:
        variants = self.zh if language.startswith("zh") and self.zh else self.en
        return rng.choice(variants).format_map(context)


NONE = Text((), ())


@dataclass(frozen=True)
class Storyline:
    """One kind of request in one category, from the customer's first message to the fix.

    `fields` names the structured-field recipe in loader.FIELD_RECIPES; `macro_first` /
    `macro_resolve` name demo macros an agent sometimes uses instead of typing the turn.
    """

    category: str
    weight: int
    fields: str
    subject: Text
    body: Text
    first_reply: Text
    customer_reply: Text
    resolution: Text
    notes: Text
    channels: tuple[tuple[str, int], ...] = (("web", 6), ("email", 2), ("chat", 2))
    tags: tuple[str, ...] = ()
    macro_first: str = ""
    macro_resolve: str = ""
    # Storylines whose first message lacks a required field (e.g. no TxID): created the way
    # email intake creates them, so the ticket starts in "pending customer" asking for it.
    starts_incomplete: bool = False
