"""Fill a fresh installation with believable demo data, through the same services the product uses.

Idempotent: people, teams and macros are looked up by email / slug / name before being
created, and tickets are created only once (an audit event "demo.load" marks that they were).
Everything happens in one transaction, so an interrupted load leaves nothing half-made.

Services stamp rows with the current time; a demo needs two months of history, so after each
step of a conversation the rows it wrote are moved to that step's simulated time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from beacon.accounts.models import Membership, Role, Team, User
from beacon.audit.models import AuditEvent
from beacon.audit.services import audit_record
from beacon.core import chains
from beacon.core.demo import wallets
from beacon.core.demo.account import STORYLINES as ACCOUNT_STORYLINES
from beacon.core.demo.funds import STORYLINES as FUNDS_STORYLINES
from beacon.core.demo.general import STORYLINES as GENERAL_STORYLINES
from beacon.core.demo.macros import MACROS
from beacon.core.demo.people import ADMIN_EMAIL, ALICE, AUDITOR_EMAIL, CUSTOMERS, DEMO_PASSWORD, STAFF, WANG, DemoCustomer
from beacon.core.demo.story import Storyline
from beacon.tickets.models import Category, Macro, MessageKind, Status, Ticket, TicketEvent
from beacon.tickets.models import Message as TicketMessage
from beacon.tickets.seed import seed_teams_and_categories
from beacon.tickets.services import macro_apply, reply_add, ticket_create, ticket_rate, ticket_update

MARKER_ACTION = "demo.load"
STORYLINES: list[Storyline] = [*FUNDS_STORYLINES, *ACCOUNT_STORYLINES, *GENERAL_STORYLINES]
HISTORY_DAYS = 60

# Final states and how often they occur; together they make a plausible queue.
STATUS_WEIGHTS: dict[str, int] = {
    Status.NEW: 14,
    Status.OPEN: 14,
    Status.PENDING_CUSTOMER: 18,
    Status.ON_HOLD: 9,
    Status.SOLVED: 28,
    Status.CLOSED: 17,
}
# How far back a ticket in each final state may start (days): new ones are recent.
AGE_DAYS: dict[str, tuple[float, float]] = {
    Status.NEW: (0, 3),
    Status.OPEN: (0.2, 20),
    Status.PENDING_CUSTOMER: (0.2, 25),
    Status.ON_HOLD: (1, 30),
    Status.SOLVED: (4, HISTORY_DAYS),
    Status.CLOSED: (12, HISTORY_DAYS),
}
RATING_COMMENTS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {
        5: ("Fast and clear, thank you!", "Great support.", ""),
        4: ("Solved, but it took a while.", ""),
        3: ("OK in the end.", ""),
        2: ("Too slow.", "Had to explain everything twice."),
        1: ("Terrible experience.", "Still not happy with the outcome."),
    },
    "zh-hans": {
        5: ("处理很快，谢谢！", "客服很专业。", ""),
        4: ("解决了，就是有点慢。", ""),
        3: ("总算解决了。", ""),
        2: ("太慢了。", "同样的问题要说好几遍。"),
        1: ("体验很差。", "对处理结果不满意。"),
    },
}
PAIRS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "TON/USDT", "DOGE/USDT", "BNB/USDT")
PRICES = {"BTC": (58_000, 104_000), "ETH": (2_200, 4_100), "SOL": (120, 260), "XRP": (0.45, 2.8), "TON": (2.5, 7.5), "DOGE": (0.08, 0.4), "BNB": (480, 720)}
ENDPOINTS = ("GET /api/v3/depth", "POST /api/v3/order", "GET /api/v3/account", "GET /api/v3/myTrades", "DELETE /api/v3/order")
WRONG_NETWORK_PAIRS = (("USDT", "BEP20", "ERC20"), ("USDC", "POLYGON", "ERC20"), ("ETH", "ARBITRUM", "ERC20"), ("USDT", "ERC20", "BEP20"), ("BNB", "BEP20", "ERC20"))


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    staff: int
    macros: int
    tickets_created: int
    already_loaded: bool


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
        Membership.objects.get_or_create(user=user, team=teams[person.team], defaults={"is_lead": person.is_lead})
        staff_by_team.setdefault(person.team, []).append(user)
    _ensure_user(ADMIN_EMAIL, display_name="Beacon Admin", role=Role.ADMIN, is_superuser=True, skills_languages=["en", "zh-hans"], email_verified=True)
    _ensure_user(AUDITOR_EMAIL, display_name="Audrey Auditor", role=Role.AUDITOR, email_verified=True)
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


# --- ticket content ----------------------------------------------------------------------------


def _short(value: str) -> str:
    return f"{value[:8]}…{value[-6:]}"


def build_context(rng: random.Random, customer: User, created: datetime) -> dict[str, str]:
    """Every value a storyline text may mention, consistent with one another."""
    network = wallets.pick_network(rng)
    coin = rng.choice(wallets.COINS_BY_NETWORK[network])
    txid = wallets.txid(rng, network)
    address = wallets.address(rng, network)
    hours = rng.choice((2, 3, 5, 6, 8, 12, 20, 26))
    pair = rng.choice(PAIRS)
    low, high = PRICES[pair.split("/")[0]]
    zh = customer.language.startswith("zh")
    return {
        "customer": customer.display_name or customer.email.split("@")[0],
        "uid": customer.exchange_uid or "",
        "phone": customer.phone,
        "vip": str(customer.vip_tier),
        "agent": "",
        "network": network,
        "network_name": _network_name(network),
        "coin": coin,
        "amount": wallets.amount(rng, coin),
        "txid": txid,
        "txid_short": _short(txid),
        "address": address,
        "address_short": _short(address),
        "memo": wallets.memo(rng, network) if wallets.needs_memo(network) else "",
        "hours": str(hours),
        "days": str(rng.randint(3, 9)),
        "transfer_time": (created - timedelta(hours=hours)).isoformat(timespec="minutes"),
        "confirmations": str(rng.randint(25, 400)),
        "fee": rng.choice(("3.2", "4.8", "6.5", "12", "0.0009", "0.004")),
        "pair": pair,
        "price": f"{rng.uniform(low, high):.{2 if low >= 1 else 4}f}",
        "order_id": str(rng.randint(10**17, 10**18 - 1)),
        "counterparty_uid": str(rng.randint(20_000_000, 39_999_999)),
        "fiat": "CNY" if zh else rng.choice(("USD", "EUR", "GBP")),
        "fiat_amount": f"{rng.randint(5, 400) * 100:,}",
        "endpoint": rng.choice(ENDPOINTS),
        "api_key_label": rng.choice(("grid-bot", "mm-prod", "tradingview-alerts", "portfolio-sync")),
        "expected_network": "",
        "expected_network_name": "",
    }


def _network_name(code: str) -> str:
    network = chains.get_network(code)
    return network.name if network is not None else code


def _funds_fields(context: dict[str, str], *, with_txid: bool, with_address: bool = False) -> dict[str, str]:
    fields = {"coin": context["coin"], "network": context["network"], "amount": context["amount"], "time": context["transfer_time"]}
    if with_txid:
        fields["txid"] = context["txid"]
    if with_address:
        fields["address"] = context["address"]
    if context["memo"]:
        fields["memo"] = context["memo"]
    return fields


def _wrong_network(rng: random.Random, context: dict[str, str]) -> dict[str, str]:
    coin, sent, expected = rng.choice(WRONG_NETWORK_PAIRS)
    context.update(
        coin=coin,
        network=sent,
        network_name=_network_name(sent),
        expected_network=expected,
        expected_network_name=_network_name(expected),
        txid=(txid := wallets.txid(rng, sent)),
        txid_short=_short(txid),
        amount=wallets.amount(rng, coin),
    )
    return {"coin": coin, "network": sent, "expected_network": expected, "txid": context["txid"], "amount": context["amount"]}


def _missing_memo(rng: random.Random, context: dict[str, str]) -> dict[str, str]:
    network = rng.choice(("XRP", "TON"))
    coin = network
    context.update(
        coin=coin,
        network=network,
        network_name=_network_name(network),
        expected_network=network,
        expected_network_name=_network_name(network),
        txid=(txid := wallets.txid(rng, network)),
        txid_short=_short(txid),
        amount=wallets.amount(rng, coin),
    )
    return {"coin": coin, "network": network, "expected_network": network, "txid": context["txid"], "amount": context["amount"]}


def fields_for(recipe: str, rng: random.Random, context: dict[str, str]) -> dict[str, str]:
    """The structured fields a customer would have filled in for this storyline."""
    kind, _sep, choice = recipe.partition(":")
    recipes: dict[str, Callable[[], dict[str, str]]] = {
        "deposit": lambda: _funds_fields(context, with_txid=True),
        "deposit_no_txid": lambda: _funds_fields(context, with_txid=False),
        "withdrawal_pending": lambda: _funds_fields(context, with_txid=False, with_address=True),
        "withdrawal_sent": lambda: _funds_fields(context, with_txid=True, with_address=True),
        "wrong_network": lambda: _wrong_network(rng, context),
        "missing_memo": lambda: _missing_memo(rng, context),
        "kyc": lambda: {"issue": choice},
        "login": lambda: {"issue": choice},
        "compromised": lambda: {"what_happened": choice, "time": context["transfer_time"]},
        "trading": lambda: {"order_id": context["order_id"], "pair": context["pair"]},
        "p2p": lambda: {"order_id": context["order_id"], "counterparty_uid": context["counterparty_uid"]},
        "api": lambda: {"api_key_label": context["api_key_label"], "endpoint": context["endpoint"]},
        "none": dict,
    }
    return recipes[kind]()


# --- one ticket --------------------------------------------------------------------------------


@dataclass
class _Moments:
    """Simulated times at which the ticket's timestamps should end up."""

    first_response: datetime | None = None
    solved: datetime | None = None
    closed: datetime | None = None
    last: datetime | None = None


class _TicketWriter:
    """Runs one storyline through the services, moving each step's rows to its simulated time."""

    def __init__(self, *, rng: random.Random, now: datetime, macros: dict[str, Macro]) -> None:
        self.rng = rng
        self.now = now
        self.macros = macros

    def _step(self, ticket: Ticket, at: datetime, action: Callable[[], Any], moments: _Moments) -> Any:
        at = min(at, self.now - timedelta(minutes=1))
        before = timezone.now()
        result = action()
        TicketMessage.objects.filter(ticket_id=ticket.pk, created_at__gte=before).update(created_at=at)
        TicketEvent.objects.filter(ticket_id=ticket.pk, created_at__gte=before).update(created_at=at)
        AuditEvent.objects.filter(target_type="ticket", target_id=ticket.reference, created_at__gte=before).update(created_at=at)
        moments.last = at
        return result

    def _later(self, at: datetime, low_minutes: int, high_minutes: int) -> datetime:
        return at + timedelta(minutes=self.rng.randint(low_minutes, high_minutes))

    def write(self, *, story: Storyline, customer: User, team_staff: list[User], category: Category, status: str) -> Ticket:
        rng = self.rng
        low, high = AGE_DAYS[status]
        created = self.now - timedelta(days=rng.uniform(low, high))
        context = build_context(rng, customer, created)
        fields = fields_for(story.fields, rng, context)
        language = customer.language
        speakers = [agent for agent in team_staff if language in agent.skills_languages] or team_staff
        agent = rng.choice(speakers)
        context["agent"] = agent.display_name
        priority = max(1, category.default_priority - 1) if customer.vip_tier >= 3 else None
        tags = [*story.tags, *(["vip"] if customer.vip_tier >= 3 else [])]
        if story.fields.startswith(("deposit", "withdrawal", "wrong", "missing")):
            tags.append(context["coin"].lower())

        moments = _Moments()
        ticket = ticket_create(
            customer=customer,
            subject=story.subject.pick(rng, language, context)[:200],
            description=story.body.pick(rng, language, context),
            category=category,
            fields=fields,
            channel=rng.choices([c for c, _w in story.channels], weights=[w for _c, w in story.channels])[0],
            language=language,
            priority=priority,
            tags=tags,
            require_fields=False,
        )
        self._restamp_creation(ticket, created)
        moments.last = created
        if status == Status.NEW:
            return self._finish(ticket, created, moments)

        at = self._later(created, 5, 240)
        if status == Status.OPEN:
            self._step(ticket, at, lambda: ticket_update(ticket=ticket, actor=agent, changes={"assignee": agent, "status": Status.OPEN}), moments)
            if story.notes.en and rng.random() < 0.6:
                self._note(ticket, agent, story, context, self._later(at, 5, 90), moments)
            return self._finish(ticket, created, moments)

        self._first_reply(ticket, agent, story, context, at, moments)
        if status == Status.PENDING_CUSTOMER:
            if ticket.status != Status.PENDING_CUSTOMER:
                self._step(ticket, self._later(at, 1, 5), lambda: ticket_update(ticket=ticket, actor=agent, changes={"status": Status.PENDING_CUSTOMER}), moments)
            return self._finish(ticket, created, moments)

        at = self._later(at, 20, 1_440)
        self._customer_reply(ticket, customer, story, context, at, moments)
        if story.notes.en and rng.random() < 0.7:
            at = self._later(at, 10, 240)
            self._note(ticket, agent, story, context, at, moments)
        if status == Status.ON_HOLD:
            self._step(ticket, self._later(at, 5, 60), lambda: ticket_update(ticket=ticket, actor=agent, changes={"status": Status.ON_HOLD}), moments)
            return self._finish(ticket, created, moments)

        at = self._later(at, 30, 2_880)
        self._resolve(ticket, agent, story, context, at, moments)
        if rng.random() < 0.65:
            at = self._later(at, 30, 1_440)
            self._rate(ticket, customer, at, moments)
        if status == Status.CLOSED:
            at = at + timedelta(days=rng.uniform(3, 7))
            self._step(ticket, at, lambda: ticket_update(ticket=ticket, actor=agent, changes={"status": Status.CLOSED}), moments)
            moments.closed = min(at, self.now - timedelta(minutes=1))
        return self._finish(ticket, created, moments)

    # Steps --------------------------------------------------------------------------------

    def _restamp_creation(self, ticket: Ticket, created: datetime) -> None:
        TicketMessage.objects.filter(ticket_id=ticket.pk).update(created_at=created)
        TicketEvent.objects.filter(ticket_id=ticket.pk).update(created_at=created)
        AuditEvent.objects.filter(target_type="ticket", target_id=ticket.reference).update(created_at=created)

    def _first_reply(self, ticket: Ticket, agent: User, story: Storyline, context: dict[str, str], at: datetime, moments: _Moments) -> None:
        macro = self.macros.get(story.macro_first)
        use_macro = macro is not None and (story.starts_incomplete or self.rng.random() < 0.5)
        if use_macro and macro is not None:
            self._step(ticket, at, lambda: macro_apply(macro=macro, ticket=ticket, agent=agent), moments)
        else:
            body = story.first_reply.pick(self.rng, ticket.language, context)
            self._step(ticket, at, lambda: reply_add(ticket=ticket, author=agent, body=body), moments)
        moments.first_response = min(at, self.now - timedelta(minutes=1))
        ticket.refresh_from_db()

    def _customer_reply(self, ticket: Ticket, customer: User, story: Storyline, context: dict[str, str], at: datetime, moments: _Moments) -> None:
        body = story.customer_reply.pick(self.rng, ticket.language, context)
        # A customer answering "what is the TxID?" fills in the missing field too.
        fields = {"txid": context["txid"]} if "txid" in ticket.missing_fields else None
        self._step(ticket, at, lambda: reply_add(ticket=ticket, author=customer, body=body, fields=fields), moments)
        ticket.refresh_from_db()

    def _note(self, ticket: Ticket, agent: User, story: Storyline, context: dict[str, str], at: datetime, moments: _Moments) -> None:
        body = story.notes.pick(self.rng, ticket.language if self.rng.random() < 0.5 else "en", context)
        self._step(ticket, at, lambda: reply_add(ticket=ticket, author=agent, body=body, kind=MessageKind.NOTE), moments)

    def _resolve(self, ticket: Ticket, agent: User, story: Storyline, context: dict[str, str], at: datetime, moments: _Moments) -> None:
        macro = self.macros.get(story.macro_resolve)
        if macro is not None and macro.set_status == Status.SOLVED and self.rng.random() < 0.4:
            self._step(ticket, at, lambda: macro_apply(macro=macro, ticket=ticket, agent=agent), moments)
        else:
            body = story.resolution.pick(self.rng, ticket.language, context)
            self._step(ticket, at, lambda: reply_add(ticket=ticket, author=agent, body=body, set_status=Status.SOLVED), moments)
        moments.solved = min(at, self.now - timedelta(minutes=1))
        ticket.refresh_from_db()

    def _rate(self, ticket: Ticket, customer: User, at: datetime, moments: _Moments) -> None:
        rating = self.rng.choices((5, 4, 3, 2, 1), weights=(50, 25, 10, 8, 7))[0]
        comments = RATING_COMMENTS["zh-hans" if ticket.language.startswith("zh") else "en"][rating]
        comment = self.rng.choice(comments)
        self._step(ticket, at, lambda: ticket_rate(ticket=ticket, customer=customer, rating=rating, comment=comment), moments)

    def _finish(self, ticket: Ticket, created: datetime, moments: _Moments) -> Ticket:
        ticket.refresh_from_db()
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=created,
            updated_at=moments.last or created,
            first_response_at=moments.first_response if ticket.first_response_at else None,
            solved_at=moments.solved if ticket.solved_at else None,
            closed_at=moments.closed if ticket.closed_at else None,
        )
        ticket.refresh_from_db()
        return ticket


# --- the whole load ----------------------------------------------------------------------------


def _customer_for(rng: random.Random, customers: list[User], index: int) -> User:
    # The two showcase customers get a steady share, so signing in as them shows a full history.
    if index % 16 == 0:
        return customers[0]
    if index % 16 == 8:
        return customers[1]
    return rng.choice(customers)


def load_demo(*, seed: int = 2025, progress: bool = True, now: datetime | None = None) -> DemoSummary:
    """Create the demo (or find it already there) and say what was done."""
    rng = random.Random(seed)  # noqa: S311 (demo content, not security)
    now = now or timezone.now()
    with transaction.atomic():
        seed_teams_and_categories(Team, Category)
        customers, staff_by_team = ensure_people()
        macros = ensure_macros()
        staff_count = sum(len(members) for members in staff_by_team.values())
        if is_loaded():
            return DemoSummary(len(customers), staff_count, len(macros), 0, already_loaded=True)

        categories = {category.slug: category for category in Category.objects.select_related("default_team")}
        plan = [story for story in STORYLINES for _ in range(story.weight)]
        rng.shuffle(plan)
        statuses = list(STATUS_WEIGHTS)
        writer = _TicketWriter(rng=rng, now=now, macros=macros)
        created = 0
        for index, story in enumerate(tqdm(plan, desc="Demo tickets", unit="ticket", disable=not progress)):
            category = categories[story.category]
            team = category.default_team
            assert team is not None, f"seed category {category.slug} has no team"
            status = rng.choices(statuses, weights=[STATUS_WEIGHTS[s] for s in statuses])[0]
            writer.write(
                story=story,
                customer=_customer_for(rng, customers, index),
                team_staff=staff_by_team[team.slug],
                category=category,
                status=status,
            )
            created += 1
        audit_record(actor=None, action=MARKER_ACTION, data={"tickets": created, "seed": seed})
    return DemoSummary(len(customers), staff_count, len(macros), created, already_loaded=False)


__all__ = ["DEMO_PASSWORD", "MARKER_ACTION", "DemoCustomer", "DemoLogin", "DemoSummary", "demo_logins", "is_loaded", "load_demo"]
