"""Fill a fresh installation with believable demo data, through the same services the product uses.

Idempotent: people, teams and macros are looked up by email / slug / name before being
created, and tickets are created only once (an audit event "demo.load" marks that they were).
Everything happens in one transaction, so an interrupted load leaves nothing half-made.

The conversations themselves are in conversation.py, the facts they mention in context.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from beacon.accounts.models import Membership, Role, Team, User
from beacon.audit.models import AuditEvent
from beacon.audit.services import audit_record
from beacon.chat.demo import load_demo_chats
from beacon.core.demo.account import STORYLINES as ACCOUNT_STORYLINES
from beacon.core.demo.conversation import TicketWriter
from beacon.core.demo.funds import STORYLINES as FUNDS_STORYLINES
from beacon.core.demo.general import STORYLINES as GENERAL_STORYLINES
from beacon.core.demo.macros import MACROS
from beacon.core.demo.people import (
    ADMIN_EMAIL,
    ALICE,
    AUDITOR_EMAIL,
    CUSTOMERS,
    DEMO_PASSWORD,
    STAFF,
    WANG,
)
from beacon.core.demo.story import Storyline
from beacon.knowledge.demo import load_help_center
from beacon.tickets.models import (
    Category,
    Macro,
    Status,
)
from beacon.tickets.seed import seed_teams_and_categories

MARKER_ACTION = "demo.load"
STORYLINES: list[Storyline] = [
    *FUNDS_STORYLINES,
    *ACCOUNT_STORYLINES,
    *GENERAL_STORYLINES,
]

# Final states and how often they occur; together they make a plausible queue.
STATUS_WEIGHTS: dict[str, int] = {
    Status.NEW: 14,
    Status.OPEN: 14,
    Status.PENDING_CUSTOMER: 18,
    Status.ON_HOLD: 9,
    Status.SOLVED: 28,
    Status.CLOSED: 17,
}


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    staff: int
    macros: int
    tickets_created: int
    already_loaded: bool
    chats_created: int = 0


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def is_loaded() -> bool:
    return AuditEvent.objects.filter(action=MARKER_ACTION).exists()


def demo_logins() -> list[DemoLogin]:
    """The accounts worth signing in as, in the order a tour of the product would use them."""
    leads = [staff for staff in STAFF if staff.is_lead]
    return [
        DemoLogin("admin", ADMIN_EMAIL),
        DemoLogin("auditor", AUDITOR_EMAIL),
        *(DemoLogin(f"lead, {staff.team}", staff.email) for staff in leads[:3]),
        DemoLogin("agent, deposits-withdrawals", "agent.kai@beacon.local"),
        DemoLogin("customer (English)", ALICE.email),
        DemoLogin("customer (Chinese)", WANG.email),
    ]


# --- people, teams, macros -------------------------------------------------------------------


def _uid(index: int) -> str:
    return str(31_000_000 + index * 7_919)


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Hashing is deliberately slow (~0.3 s); sixty demo accounts share one hash of the one
    # published demo password instead of spending twenty seconds on it.
    return make_password(DEMO_PASSWORD)


def _ensure_user(email: str, **defaults: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    user = User(email=email, password=_demo_password_hash(), **defaults)
    user.save()
    return user


def ensure_people() -> tuple[list[User], dict[str, list[User]]]:
    """Customers and staff by team (created once, found by email afterwards)."""
    customers = [
        _ensure_user(
            person.email,
            display_name=person.name,
            role=Role.CUSTOMER,
            language=person.language,
            vip_tier=person.vip_tier,
            kyc_level=person.kyc_level,
            phone=person.phone,
            exchange_uid=_uid(index),
            email_verified=True,
        )
        for index, person in enumerate(CUSTOMERS)
    ]
    teams = {team.slug: team for team in Team.objects.all()}
    staff_by_team: dict[str, list[User]] = {}
    for person in STAFF:
        user = _ensure_user(
            person.email,
            display_name=person.name,
            role=Role.LEAD if person.is_lead else Role.AGENT,
            language=person.languages[0],
            skills_languages=list(person.languages),
            email_verified=True,
        )
        Membership.objects.get_or_create(
            user=user, team=teams[person.team], defaults={"is_lead": person.is_lead}
        )
        staff_by_team.setdefault(person.team, []).append(user)
    _ensure_user(
        ADMIN_EMAIL,
        display_name="Beacon Admin",
        role=Role.ADMIN,
        is_superuser=True,
        skills_languages=["en", "zh-hans"],
        email_verified=True,
    )
    _ensure_user(
        AUDITOR_EMAIL,
        display_name="Audrey Auditor",
        role=Role.AUDITOR,
        email_verified=True,
    )
    return customers, staff_by_team


def ensure_macros() -> dict[str, Macro]:
    teams = {team.slug: team for team in Team.objects.all()}
    macros: dict[str, Macro] = {}
    for spec in MACROS:
        macros[spec.name], _created = Macro.objects.get_or_create(
            name=spec.name,
            defaults={
                "team": teams.get(spec.team) if spec.team else None,
                "body_en": spec.body_en,
                "body_zh": spec.body_zh,
                "set_status": spec.set_status,
                "add_tags": list(spec.add_tags),
            },
        )
    return macros


# --- the whole load ----------------------------------------------------------------------------


def _customer_for(rng: random.Random, customers: list[User], index: int) -> User:
    # The two showcase customers get a steady share, so signing in as them shows a full history.
    if index % 16 == 0:
        return customers[0]
    if index % 16 == 8:
        return customers[1]
    return rng.choice(customers)


def load_demo(
    *, seed: int = 2025, progress: bool = True, now: datetime | None = None
) -> DemoSummary:
    """Create the demo (or find it already there) and say what was done."""
    rng = random.Random(seed)  # noqa: S311 (demo content, not security)
    now = now or timezone.now()
    with transaction.atomic():
        seed_teams_and_categories(Team, Category)
        customers, staff_by_team = ensure_people()
        macros = ensure_macros()
        load_help_center()  # Idempotent: articles are matched by key, activity added once.
        # Idempotent too (fixed ids), and outside the marker below, so an installation loaded
        # before there were demo chats gets them on the next run.
        chats = load_demo_chats(now=now)
        staff_count = sum(len(members) for members in staff_by_team.values())
        if is_loaded():
            return DemoSummary(
                len(customers),
                staff_count,
                len(macros),
                0,
                already_loaded=True,
                chats_created=chats,
            )

        categories = {
            category.slug: category
            for category in Category.objects.select_related("default_team")
        }
        plan = [story for story in STORYLINES for _ in range(story.weight)]
        rng.shuffle(plan)
        statuses = list(STATUS_WEIGHTS)
        writer = TicketWriter(rng=rng, now=now, macros=macros)
        created = 0
        for index, story in enumerate(
            tqdm(plan, desc="Demo tickets", unit="ticket", disable=not progress)
        ):
            category = categories[story.category]
            team = category.default_team
            assert team is not None, f"seed category {category.slug} has no team"
            status = rng.choices(
                statuses, weights=[STATUS_WEIGHTS[s] for s in statuses]
            )[0]
            writer.write(
                story=story,
                customer=_customer_for(rng, customers, index),
                team_staff=staff_by_team[team.slug],
                category=category,
                status=status,
            )
            created += 1
        audit_record(
            actor=None, action=MARKER_ACTION, data={"tickets": created, "seed": seed}
        )
    return DemoSummary(
        len(customers),
        staff_count,
        len(macros),
        created,
        already_loaded=False,
        chats_created=chats,
    )
