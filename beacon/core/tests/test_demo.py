"""`beacon demo_load`: a believable, valid and repeatable demo."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from beacon.accounts.models import Membership, Role, Team, User
from beacon.chat import queries as chat_queries
from beacon.chat.models import ChatMessage, Conversation, ConversationStatus
from beacon.core import chains
from beacon.core.demo import wallets
from beacon.core.demo.loader import STORYLINES, DemoSummary, is_loaded, load_demo
from beacon.core.demo.people import DEMO_PASSWORD, STAFF
from beacon.tickets.form_fields import FieldType, check_fields, parse_specs
from beacon.tickets.models import (
    Category,
    Macro,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
)
from beacon.tickets.seed import CATEGORY_SLUGS, TEAM_SLUGS
from beacon.tickets.services import macro_render

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    """Load the demo once for this module and roll it back afterwards (each test nests inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(progress=False)
        transaction.set_rollback(True)


def test_demo_creates_over_300_tickets_in_both_languages_and_every_category(
    demo: DemoSummary,
) -> None:
    # The demo chats turned into tickets are counted with the chats.
    tickets = Ticket.objects.exclude(
        pk__in=Conversation.objects.filter(ticket__isnull=False).values("ticket_id")
    )

    assert demo.tickets_created == tickets.count() >= 300
    languages = dict(tickets.values_list("language").annotate(n=Count("id")))
    assert languages["en"] >= 100 and languages["zh-hans"] >= 100
    assert set(tickets.values_list("category__slug", flat=True)) == set(CATEGORY_SLUGS)
    assert len(set(tickets.values_list("channel", flat=True))) >= 5


def test_demo_tickets_are_in_every_state_with_notes_replies_and_ratings(
    demo: DemoSummary,
) -> None:
    statuses = set(Ticket.objects.values_list("status", flat=True))

    assert len(statuses) >= 5
    assert statuses == set(Status.values)
    assert Message.objects.filter(kind=MessageKind.NOTE).count() >= 50
    assert (
        Message.objects.filter(kind=MessageKind.REPLY, from_customer=True).count()
        >= 100
    )
    assert Ticket.objects.filter(rating__isnull=False).count() >= 30
    assert Ticket.objects.filter(
        tags__name="txid-requested"
    ).exists()  # the "Ask for TxID" macro was used


def test_history_spans_two_months_and_conversations_run_forward_in_time(
    demo: DemoSummary,
) -> None:
    now = timezone.now()

    oldest = Ticket.objects.order_by("created_at").first()
    assert oldest is not None and now - timedelta(
        days=61
    ) <= oldest.created_at <= now - timedelta(days=40)
    assert not Message.objects.filter(created_at__lt=F("ticket__created_at")).exists()
    assert not TicketEvent.objects.filter(
        created_at__lt=F("ticket__created_at")
    ).exists()
    assert not Ticket.objects.filter(first_response_at__lt=F("created_at")).exists()
    assert not Ticket.objects.filter(
        solved_at__isnull=False, solved_at__gt=now
    ).exists()
    answered = (
        Ticket.objects.exclude(status__in=[Status.NEW])
        .filter(first_response_at__isnull=False)
        .count()
    )
    assert answered >= 150


def test_every_structured_txid_address_and_memo_is_valid_for_its_network(
    demo: DemoSummary,
) -> None:
    checked = 0
    for ticket in Ticket.objects.select_related("category"):
        specs = parse_specs(ticket.category.form_fields)
        check = check_fields(specs, ticket.fields)

        assert check.errors == {}, (ticket.reference, ticket.fields, check.errors)
        network = ticket.fields.get("network")
        for spec in specs:
            value = ticket.fields.get(spec.name)
            if value and spec.type in (
                FieldType.TXID,
                FieldType.ADDRESS,
                FieldType.MEMO,
            ):
                assert network, ticket.reference
                validator = {
                    FieldType.TXID: chains.validate_txid,
                    FieldType.ADDRESS: chains.validate_address,
                    FieldType.MEMO: chains.validate_memo,
                }[spec.type]
                assert validator(network, value), (ticket.reference, spec.name, value)
                checked += 1

    assert checked >= 100


def test_only_tickets_that_start_without_a_txid_have_missing_fields(
    demo: DemoSummary,
) -> None:
    # Tickets made from demo chats keep what the chat collected (require_fields=False).
    incomplete = Ticket.objects.exclude(missing_fields=[]).exclude(
        pk__in=Conversation.objects.filter(ticket__isnull=False).values("ticket_id")
    )

    assert incomplete.exists()
    assert all(ticket.missing_fields == ["txid"] for ticket in incomplete)
    assert Message.objects.filter(kind=MessageKind.SYSTEM).count() >= incomplete.count()


def test_every_team_has_a_lead_and_agents_covering_english_and_chinese(
    demo: DemoSummary,
) -> None:
    for team in Team.objects.filter(slug__in=TEAM_SLUGS):
        members = Membership.objects.filter(team=team).select_related("user")
        languages = {
            language for member in members for language in member.user.skills_languages
        }

        assert members.filter(is_lead=True, user__role=Role.LEAD).count() == 1, (
            team.slug
        )
        assert members.filter(is_lead=False, user__role=Role.AGENT).count() >= 2, (
            team.slug
        )
        assert {"en", "zh-hans"} <= languages, team.slug


def test_assignees_belong_to_the_ticket_team(demo: DemoSummary) -> None:
    assigned = Ticket.objects.filter(assignee__isnull=False)

    assert assigned.count() >= 200
    assert not assigned.exclude(assignee__memberships__team=F("team")).exists()


def test_demo_accounts_sign_in_with_the_printed_password(demo: DemoSummary) -> None:
    for email in (
        "admin@beacon.local",
        "auditor@beacon.local",
        "alice@example.com",
        "wang@example.com",
        STAFF[0].email,
    ):
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email
    assert User.objects.get(email="wang@example.com").language == "zh-hans"
    assert User.objects.get(email="admin@beacon.local").role == Role.ADMIN
    assert User.objects.filter(role=Role.CUSTOMER).count() >= 40


def test_showcase_customers_have_a_history_to_look_at(demo: DemoSummary) -> None:
    for email in ("alice@example.com", "wang@example.com"):
        tickets = Ticket.objects.filter(customer__email=email)

        assert tickets.count() >= 10, email
        assert tickets.filter(status__in=[Status.SOLVED, Status.CLOSED]).exists(), email


def test_demo_macros_exist_in_both_languages_and_render_every_placeholder(
    demo: DemoSummary,
) -> None:
    agent = User.objects.get(email=STAFF[0].email)
    zh_ticket = Ticket.objects.filter(language="zh-hans").first()
    assert zh_ticket is not None

    for macro in Macro.objects.all():
        rendered = macro_render(macro=macro, ticket=zh_ticket, agent=agent)

        assert macro.body_en and macro.body_zh
        assert "{{" not in rendered
        assert (
            agent.display_name in rendered
            and zh_ticket.customer.display_name in rendered
        )
    assert Macro.objects.count() >= 6


def test_loading_again_adds_nothing(demo: DemoSummary) -> None:
    counts = (
        User.objects.count(),
        Ticket.objects.count(),
        Message.objects.count(),
        Macro.objects.count(),
        Membership.objects.count(),
        Category.objects.count(),
        Conversation.objects.count(),
        ChatMessage.objects.count(),
    )

    again = load_demo(progress=False)

    assert again.already_loaded and again.tickets_created == 0
    assert again.chats_created == 0
    assert is_loaded()
    assert counts == (
        User.objects.count(),
        Ticket.objects.count(),
        Message.objects.count(),
        Macro.objects.count(),
        Membership.objects.count(),
        Category.objects.count(),
        Conversation.objects.count(),
        ChatMessage.objects.count(),
    )


def test_demo_chats_are_in_every_state_in_english_and_chinese(
    demo: DemoSummary,
) -> None:
    chats = Conversation.objects.filter(public_id__startswith="demo-")

    assert demo.chats_created == chats.count() >= 10
    for language in ("en", "zh-hans"):
        mine = chats.filter(language=language)
        statuses = set(mine.values_list("status", flat=True))
        assert statuses == {
            ConversationStatus.BOT,
            ConversationStatus.QUEUED,
            ConversationStatus.ACTIVE,
            ConversationStatus.CLOSED,
            ConversationStatus.TICKET,
        }, language
        answered = ChatMessage.objects.filter(
            conversation__in=mine.filter(status=ConversationStatus.BOT),
            sender="bot",
            meta__kind="answer",
        )
        assert all(m.meta["links"][0]["url"].startswith("/help/") for m in answered)
        assert answered.exists()
        assert mine.filter(
            status=ConversationStatus.CLOSED, rating__isnull=False
        ).exists()
        assert all(c.ticket is not None for c in mine.filter(status="ticket"))


def test_demo_chats_happened_in_order_in_the_recent_past(demo: DemoSummary) -> None:
    now = timezone.now()
    for chat in Conversation.objects.filter(public_id__startswith="demo-"):
        times = list(
            ChatMessage.objects.filter(conversation=chat)
            .order_by("seq")
            .values_list("created_at", flat=True)
        )
        assert times == sorted(times) and times[-1] < now
        assert now - timedelta(days=2) < chat.created_at <= times[0]
        if chat.assigned_at is not None:
            assert chat.queued_at is not None
            assert chat.created_at < chat.queued_at < chat.assigned_at <= times[-1]


def test_demo_sign_ins_see_chats_in_their_console(demo: DemoSummary) -> None:
    from django.test import Client

    kai = User.objects.get(email="agent.kai@beacon.local")
    views = {
        email: chat_queries.console_chats(user=User.objects.get(email=email))
        for email in (
            "agent.kai@beacon.local",
            "agent.mia@beacon.local",
            "agent.sam@beacon.local",
        )
    }
    client = Client()
    client.force_login(kai)

    page = client.get("/console/chats/")

    kai_view = views["agent.kai@beacon.local"]
    assert {c.language for c in kai_view["mine"]} == {"en", "zh-hans"}
    assert {c.language for c in kai_view["queued"]} == {"en", "zh-hans"}
    assert views["agent.mia@beacon.local"]["queued"]
    assert views["agent.sam@beacon.local"]["mine"]
    assert views["agent.sam@beacon.local"]["queued"]
    assert page.status_code == 200
    for chat in (*kai_view["mine"], *kai_view["queued"]):
        assert chat.customer is not None
        assert chat.customer.display_name in page.content.decode()


def test_command_reports_and_prints_the_demo_sign_ins(demo: DemoSummary) -> None:
    out = StringIO()

    call_command("demo_load", "--no-progress", stdout=out)

    text = out.getvalue()
    assert "already loaded" in text
    assert DEMO_PASSWORD in text
    assert (
        "alice@example.com" in text
        and "wang@example.com" in text
        and "admin@beacon.local" in text
    )


def test_storylines_cover_every_category() -> None:
    assert {story.category for story in STORYLINES} == set(CATEGORY_SLUGS)
    assert sum(story.weight for story in STORYLINES) >= 300


@pytest.mark.parametrize("seed", range(5))
def test_generated_addresses_and_txids_pass_chain_checks(seed: int) -> None:
    rng = random.Random(seed)

    for network in wallets.NETWORK_WEIGHTS:
        for _ in range(40):
            assert chains.validate_address(network, wallets.address(rng, network)), (
                network
            )
            assert chains.validate_txid(network, wallets.txid(rng, network)), network
            if wallets.needs_memo(network):
                assert chains.validate_memo(network, wallets.memo(rng, network)), (
                    network
                )
