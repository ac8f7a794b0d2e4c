"""Beacon side of the benchmark: prepare a data directory and answer bench.sh's count queries.

Run with Beacon's interpreter and the same DATA_DIR / DATABASE_URL as the server:

    .venv/bin/python bench/beacon_tools.py prepare [--tickets 50000]
    .venv/bin/python bench/beacon_tools.py count           -> {"tickets": N}
    .venv/bin/python bench/beacon_tools.py titles MARKER   -> {"tickets": N, "distinct_titles": M}

`prepare` migrates, creates an agent who is a member of every team (so the console and the API
list see every ticket, like the peer's superuser), an API token and a signed-in session for that
agent, and bulk-loads tickets until there are `--tickets` of them. The credentials are written to
$DATA_DIR/bench/ (api_token, session_cookie, category, customer_email).

The bulk load uses bulk_create (a fixture, not the service): it fills search_text with the same
function the service uses, and the database keeps the full-text index in step (SQLite triggers,
PostgreSQL expression index), so searches see exactly what production writes would produce.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from beacon.accounts.models import ApiToken, Membership, Role, Team, User  # noqa: E402
from beacon.accounts.services import api_token_create  # noqa: E402
from beacon.core.text import search_text  # noqa: E402
from beacon.tickets.models import Category, Channel, Priority, Status, Ticket  # noqa: E402
from beacon.tickets.reference import new_reference  # noqa: E402

BENCH_DIR = Path(os.environ["DATA_DIR"]) / "bench"
AGENT_EMAIL = "bench-agent@example.test"
AGENT_PASSWORD = "bench-agent-password"  # a throw-away account in a scratch DATA_DIR
CUSTOMER_EMAIL = "bench-customer@example.test"
CUSTOMERS = 5000

COINS = ["BTC", "ETH", "USDT", "SOL", "XRP", "ADA", "DOGE", "TRX", "LTC", "DOT"]
# The peer's topics (shared/peers/django-helpdesk/peer_tools.py), so that a search for
# "withdrawal" is about as selective on both sides, plus their Chinese counterparts.
TOPICS_EN = [
    "Withdrawal of {amt} {coin} pending for {h} hours",
    "Deposit of {amt} {coin} not credited (txid {txid})",
    "KYC verification rejected, passport upload fails",
    "2FA reset request: lost authenticator phone",
    "Account locked after password change",
    "Wrong network used when sending {coin}",
    "Trading fee higher than advertised on {coin}/USDT",
    "API key permissions for {coin} withdrawal",
    "Feedback: please list {coin} perpetual futures",
    "P2P order dispute, seller did not release {coin}",
    "Staking rewards for {coin} missing this week",
    "Suspicious login alert from unknown device",
]
TOPICS_ZH = [
    "提现 {amt} {coin} 已经处理中 {h} 小时",
    "充值 {amt} {coin} 未到账（交易哈希 {txid}）",
    "KYC 认证被拒绝，护照上传失败",
    "手机丢失，申请重置谷歌验证",
    "修改密码后账户被锁定",
    "转 {coin} 时选错了网络",
    "{coin}/USDT 交易手续费比公布的高",
    "API 密钥的 {coin} 提现权限",
    "建议上线 {coin} 永续合约",
    "P2P 订单纠纷，卖家未放币 {coin}",
    "本周 {coin} 质押收益没有发放",
    "收到陌生设备登录提醒",
]
# Mostly open work, like a real queue (and like the peer's seed).
STATUSES = (
    [Status.NEW] * 4
    + [Status.OPEN] * 3
    + [Status.PENDING_CUSTOMER] * 2
    + [Status.ON_HOLD, Status.SOLVED, Status.CLOSED, Status.CLOSED]
)
CHANNELS = [Channel.WEB, Channel.WEB, Channel.EMAIL, Channel.API, Channel.CHAT]


def _subject(rng: random.Random, *, chinese: bool) -> str:
    template = rng.choice(TOPICS_ZH if chinese else TOPICS_EN)
    return template.format(
        amt=round(rng.uniform(0.01, 5000), 4),
        coin=rng.choice(COINS),
        h=rng.randint(1, 96),
        txid=uuid.UUID(int=rng.getrandbits(128)).hex,
    )


def _description(rng: random.Random, subject: str, *, chinese: bool) -> str:
    uid = rng.randint(100000, 999999)
    if chinese:
        return f"您好，\n\n{subject}。\n我的用户 ID 是 {uid}。请帮忙查一下，尽快回复。\n\n谢谢"
    return f"Hello support,\n\n{subject}.\nMy user id is {uid}. I attached nothing, please check the ledger and answer soon.\n\nRegards"


def _agent() -> User:
    agent = User.objects.filter(email=AGENT_EMAIL).first()
    if agent is None:
        agent = User.objects.create_user(
            email=AGENT_EMAIL,
            password=AGENT_PASSWORD,
            role=Role.AGENT,
            display_name="Bench Agent",
        )
    for team in Team.objects.all():
        Membership.objects.get_or_create(user=agent, team=team)
    return agent


def _customers() -> list[User]:
    existing = User.objects.filter(role=Role.CUSTOMER).count()
    if existing < CUSTOMERS:
        password = make_password(None)  # unusable: these accounts never sign in
        User.objects.bulk_create(
            [
                User(
                    email=f"customer{n}@example.test" if n else CUSTOMER_EMAIL,
                    role=Role.CUSTOMER,
                    password=password,
                    exchange_uid=str(20_000_000 + n),
                    email_verified=True,
                )
                for n in range(existing, CUSTOMERS)
            ],
            batch_size=1000,
        )
    return list(User.objects.filter(role=Role.CUSTOMER).order_by("id"))


def _load_tickets(target: int) -> int:
    """Bulk-insert tickets until there are `target`; returns how many were added."""
    missing = target - Ticket.objects.count()
    if missing <= 0:
        return 0
    rng = random.Random(42)
    customers = _customers()
    categories = list(Category.objects.select_related("default_team"))
    teams = list(Team.objects.all())
    now = timezone.now()
    # bulk_create cannot set auto_now(_add) fields: switch them off for the fixture only.
    created_field = Ticket._meta.get_field("created_at")
    updated_field = Ticket._meta.get_field("updated_at")
    created_field.auto_now_add = False
    updated_field.auto_now = False
    added = 0
    while added < missing:
        batch = []
        for _ in range(min(2000, missing - added)):
            chinese = rng.random() < 0.35
            subject = _subject(rng, chinese=chinese)
            description = _description(rng, subject, chinese=chinese)
            category = rng.choice(categories)
            status = rng.choice(STATUSES)
            created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
            reference = new_reference()
            batch.append(
                Ticket(
                    reference=reference,
                    subject=subject[:200],
                    description=description,
                    channel=rng.choice(CHANNELS),
                    category=category,
                    priority=rng.choice(Priority.values),
                    status=status,
                    team=category.default_team or rng.choice(teams),
                    customer=rng.choice(customers),
                    language="zh-hans" if chinese else "en",
                    created_at=created,
                    updated_at=created,
                    solved_at=created
                    if status in (Status.SOLVED, Status.CLOSED)
                    else None,
                    closed_at=created if status == Status.CLOSED else None,
                    search_text=search_text(reference, subject, description),
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(batch, batch_size=500)
        added += len(batch)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute(
                "INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES ('optimize')"
            )
        else:
            # What autovacuum does after a bulk load, done now: fresh statistics, and the GIN
            # index's pending list merged (scanning a long pending list slows every search).
            cursor.execute("VACUUM ANALYZE tickets_ticket")
    return added


def cmd_prepare(tickets: int) -> dict[str, Any]:
    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    agent = _agent()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    ApiToken.objects.filter(user=agent, name="bench").delete()
    _token, secret = api_token_create(user=agent, name="bench")
    client = Client()
    client.force_login(agent)
    customers = _customers()
    category = (
        Category.objects.filter(is_active=True, form_fields=[]).first()
        or Category.objects.filter(is_active=True).first()
    )
    if category is None:
        raise SystemExit("No active category: the seed migration did not run.")
    (BENCH_DIR / "api_token").write_text(secret + "\n")
    (BENCH_DIR / "session_cookie").write_text(
        f"sessionid={client.cookies['sessionid'].value}\n"
    )
    (BENCH_DIR / "category").write_text(category.slug + "\n")
    (BENCH_DIR / "customer_email").write_text(customers[0].email + "\n")
    t1 = time.monotonic()
    added = _load_tickets(tickets)
    return {
        "vendor": connection.vendor,
        "tickets": Ticket.objects.count(),
        "tickets_added": added,
        "load_seconds": round(time.monotonic() - t1, 1),
        "total_seconds": round(time.monotonic() - t0, 1),
        "category": category.slug,
        "credentials": str(BENCH_DIR),
    }


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write(__doc__ or "")
        return 2
    command = argv[0]
    if command == "prepare":
        tickets = (
            int(argv[argv.index("--tickets") + 1]) if "--tickets" in argv else 50_000
        )
        out: dict[str, Any] = cmd_prepare(tickets)
    elif command == "count":
        out = {"tickets": Ticket.objects.count()}
    elif command == "titles":
        run = Ticket.objects.filter(subject__contains=argv[1])
        out = {
            "tickets": run.count(),
            "distinct_titles": run.values("subject").distinct().count(),
        }
    else:
        sys.stderr.write(__doc__ or "")
        return 2
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
