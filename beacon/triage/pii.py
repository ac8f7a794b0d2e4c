"""Personal data in messages, partially masked for the staff who do not need it.

The rule (docs/triage-safety.md):
- administrators, and members of the Account Security and KYC & Compliance teams, see ID and
  passport numbers, phone numbers and email addresses in full: verifying identity is their job;
- every other agent and lead, and auditors, see them partially masked ("b***b@example.com",
  "+86 138****5678", "110***********002X"): enough to tell two apart or to match what a customer
  reads out, not enough to use;
- customers see their own conversation as they wrote it.

Only the display is masked: the stored text stays whole, so moving a ticket to Account Security
shows its specialists everything.
"""

from __future__ import annotations

from beacon.accounts.models import User
from beacon.tickets.queries import team_slugs_of
from beacon.triage.entities import Entity, extract_entities

PII_TEAM_SLUGS = frozenset({"account-security", "kyc-compliance"})
PII_KINDS = frozenset({"email", "phone", "id_number", "passport"})

_CACHE_ATTRIBUTE = "_beacon_sees_pii"


def sees_pii(user: User | None) -> bool:
    """Whether `user` sees personal data in full (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        # The same cached query as the access checks' team ids: no query of its own.
        cached = (
            user.is_customer
            or user.is_admin_role
            or bool(team_slugs_of(user) & PII_TEAM_SLUGS)
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return bool(cached)


def mask_email(value: str) -> str:
    local, _at, domain = value.partition("@")
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"


def _mask_digits(value: str, keep_start: int, keep_end: int) -> str:
    """Replace every digit (and letter) but the first `keep_start` and last `keep_end` by '*'."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    hidden = set(positions[keep_start : len(positions) - keep_end])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def mask_entity(entity: Entity) -> str:
    """The partially masked form of one personal-data entity."""
    if entity.kind == "email":
        return mask_email(entity.value)
    if entity.kind == "phone":
        # Country code and network prefix stay, as do the last four digits.
        return _mask_digits(entity.value, 5 if entity.value.startswith("+") else 3, 4)
    if entity.kind == "id_number":
        return _mask_digits(entity.value, 3, 4)
    return _mask_digits(entity.value, 2, 2)


def mask_pii(text: str) -> str:
    """`text` with emails, phones, ID and passport numbers partially masked."""
    if not text:
        return text
    personal = [e for e in extract_entities(text) if e.kind in PII_KINDS]
    if not personal:
        return text
    parts: list[str] = []
    position = 0
    for entity in personal:
        parts += [text[position : entity.start], mask_entity(entity)]
        position = entity.end
    parts.append(text[position:])
    return "".join(parts)


def pii_for(viewer: User | None, text: str) -> str:
    """`text` as `viewer` may see it."""
    return text if sees_pii(viewer) else mask_pii(text)
