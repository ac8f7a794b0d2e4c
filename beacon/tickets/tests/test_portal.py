"""Customer portal pages: access rules, the new-request form, the ticket page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from beacon.accounts.models import Role, Team, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets import services
from beacon.tickets.models import Category, Message, MessageKind, Status, Ticket
from beacon.tickets.tests.factories import DEPOSIT_FIELDS, CategoryFactory, make_ticket

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

ERC20_TXID = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
TRC20_TXID = "8f6c1e0b7d3a4c2e9f5b1a7d3c6e0f9b2a4d8c1e7f3b5a9d0c2e4f6a8b1d3c5e"
DEPOSIT_VALUES = {
    "coin": "USDT",
    "network": "ERC20",
    "txid": ERC20_TXID,
    "amount": "150.5",
    "time": "2025-11-20T10:30",
}


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(slug="deposits")


@pytest.fixture
def deposit(team: Team) -> Category:
    return CategoryFactory.create(
        slug="portal-deposit",
        name_en="Deposit not credited",
        name_zh="充值未到账",
        description_en="You sent crypto but it is not in your balance.",
        form_fields=DEPOSIT_FIELDS,
        default_team=team,
    )


@pytest.fixture
def customer() -> User:
    return CustomerFactory.create()


@pytest.fixture
def agent(team: Team) -> User:
    return AgentFactory.create(teams=[team])


@pytest.fixture
def ticket(customer: User, deposit: Category) -> Ticket:
    return make_ticket(customer=customer, category=deposit, fields=DEPOSIT_VALUES)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def deposit_form(**overrides: str) -> dict[str, str]:
    data = {
        "category": "portal-deposit",
        "subject": "USDT deposit missing",
        "description": "I sent 150.5 USDT from my wallet an hour ago.",
        **{f"f_{name}": value for name, value in DEPOSIT_VALUES.items()},
    }
    data.update(overrides)
    return data


def detail_url(ticket: Ticket) -> str:
    return reverse("portal:ticket-detail", args=[ticket.reference])


def flashes(response: Response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- access --------------------------------------------------------------------------------


def test_landing_page_invites_anonymous_visitors_to_sign_in() -> None:
    response = Client().get(reverse("portal:home"))

    assert response.status_code == 200
    assert reverse("accounts:login") in response.text
    assert "never ask for your password" in response.text


def test_landing_page_leads_to_the_help_center_and_the_chat() -> None:
    response = Client().get(reverse("portal:home"))

    assert f'href="{reverse("knowledge:root")}"' in response.text
    assert f'href="{reverse("chat:page")}"' in response.text


def test_home_sends_customers_to_their_requests(customer: User) -> None:
    response = client_for(customer).get(reverse("portal:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket-list")


def test_home_sends_staff_to_the_console(agent: User) -> None:
    response = client_for(agent).get(reverse("portal:home"))

    assert response["Location"] == "/console/"


PAGES: list[tuple[str, Callable[[Ticket], str]]] = [
    ("list", lambda t: reverse("portal:ticket-list")),
    ("new", lambda t: reverse("portal:ticket-new")),
    ("detail", detail_url),
]


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_portal_pages_send_anonymous_visitors_to_sign_in(
    ticket: Ticket, name: str, url: Callable[[Ticket], str]
) -> None:
    response = Client().get(url(ticket))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.ADMIN, Role.AUDITOR])
@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_portal_pages_send_staff_to_the_console(
    ticket: Ticket, team: Team, role: str, name: str, url: Callable[[Ticket], str]
) -> None:
    staff = AgentFactory.create(role=role, teams=[team])

    response = client_for(staff).get(url(ticket))

    assert response.status_code == 302
    assert response["Location"] == "/console/"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("ticket-reply", {"body": "hello"}),
        ("ticket-close", {}),
        ("ticket-rate", {"rating": "5"}),
    ],
)
def test_anonymous_posts_are_sent_to_sign_in_and_change_nothing(
    ticket: Ticket, action: str, data: dict[str, str]
) -> None:
    response = Client().post(reverse(f"portal:{action}", args=[ticket.reference]), data)

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Message.objects.filter(ticket=ticket).exists()
    assert (ticket.status, ticket.rating) == (Status.NEW, None)


def test_anonymous_cannot_create_a_request(deposit: Category) -> None:
    response = Client().post(reverse("portal:ticket-new"), deposit_form())

    assert response.status_code == 302
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("ticket-reply", {"body": "Give me the money"}),
        ("ticket-close", {}),
        ("ticket-rate", {"rating": "1"}),
    ],
)
def test_another_customers_ticket_actions_are_404_like_a_missing_reference(
    ticket: Ticket, action: str, data: dict[str, str]
) -> None:
    other = client_for(CustomerFactory.create())
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.SOLVED, solved_at=timezone.now()
    )

    response = other.post(reverse(f"portal:{action}", args=[ticket.reference]), data)
    missing = other.post(reverse(f"portal:{action}", args=["BX-00000000"]), data)

    ticket.refresh_from_db()
    assert response.status_code == missing.status_code == 404
    assert ticket.status == Status.SOLVED
    assert ticket.rating is None
    assert not Message.objects.filter(ticket=ticket).exists()


def test_another_customers_ticket_page_is_404_like_a_missing_reference(
    ticket: Ticket,
) -> None:
    other = client_for(CustomerFactory.create())

    response = other.get(detail_url(ticket))
    missing = other.get(reverse("portal:ticket-detail", args=["BX-00000000"]))

    assert response.status_code == missing.status_code == 404
    assert ticket.subject not in response.text


# --- my requests ---------------------------------------------------------------------------


def test_list_shows_only_my_requests_newest_first(
    customer: User, deposit: Category
) -> None:
    older = make_ticket(
        customer=customer,
        category=deposit,
        fields=DEPOSIT_VALUES,
        subject="Older request",
    )
    newer = make_ticket(
        customer=customer,
        category=deposit,
        fields=DEPOSIT_VALUES,
        subject="Newer request",
    )
    someone_else = make_ticket(
        category=deposit, fields=DEPOSIT_VALUES, subject="Someone else's request"
    )

    response = client_for(customer).get(reverse("portal:ticket-list"))

    body = response.text
    assert body.index(newer.reference) < body.index(older.reference)
    assert someone_else.reference not in body
    assert "Deposit not credited" in body
    assert "Received" in body


def test_list_has_an_empty_state(customer: User) -> None:
    response = client_for(customer).get(reverse("portal:ticket-list"))

    assert "No requests yet" in response.text


def test_list_is_paginated(customer: User, deposit: Category) -> None:
    for number in range(22):
        make_ticket(
            customer=customer,
            category=deposit,
            fields=DEPOSIT_VALUES,
            subject=f"Request number {number}",
        )
    client = client_for(customer)

    first = client.get(reverse("portal:ticket-list"))
    second = client.get(reverse("portal:ticket-list"), {"page": 2})

    assert "Request number 21" in first.text
    assert "Request number 0<" not in first.text
    assert "Request number 0<" in second.text
    assert "Page 2 of 2" in second.text


def test_list_query_count_does_not_grow_with_tickets(
    customer: User,
    deposit: Category,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(15):
        make_ticket(
            customer=customer,
            category=CategoryFactory.create(),
            subject="Many categories",
        )
    client = client_for(customer)

    with django_assert_max_num_queries(
        5
    ):  # session, user, count, page: not one per ticket
        response = client.get(reverse("portal:ticket-list"))

    assert response.status_code == 200
    assert response.text.count("Many categories") == 15


# --- new request ---------------------------------------------------------------------------


def test_new_request_starts_with_category_cards(
    customer: User, deposit: Category
) -> None:
    response = client_for(customer).get(reverse("portal:ticket-new"))

    assert "Deposit not credited" in response.text
    assert "You sent crypto but it is not in your balance." in response.text
    assert 'name="subject"' not in response.text


def test_category_cards_are_localised(customer: User, deposit: Category) -> None:
    client = client_for(customer)
    client.cookies["django_language"] = "zh-hans"

    response = client.get(reverse("portal:ticket-new"), {"category": deposit.slug})

    assert "充值未到账" in response.text
    assert "交易哈希 (TxID)" in response.text


def test_category_form_shows_structured_fields_warning_and_limits(
    customer: User, deposit: Category
) -> None:
    response = client_for(customer).get(
        reverse("portal:ticket-new"), {"category": deposit.slug}
    )

    body = response.text
    assert 'name="f_txid"' in body
    assert 'type="datetime-local"' in body
    assert '<option value="TRC20">TRON (TRC20)</option>' in body
    assert "never ask for your password, 2FA codes, private keys or seed phrase" in body
    assert "Up to 5 files, 10 MB each" in body
    assert "data-memo-field" in body


def test_switching_category_over_htmx_swaps_only_the_field_block(
    customer: User, deposit: Category
) -> None:
    other = CategoryFactory.create(slug="login-problem", name_en="Login problem")

    response = client_for(customer).get(
        reverse("portal:ticket-new"),
        {"category": other.slug},
        headers={"HX-Request": "true"},
    )

    body = response.text
    assert body.lstrip().startswith('<fieldset id="category-fields"')
    assert 'name="category" value="login-problem"' in body
    assert 'hx-swap-oob="true"' in body
    assert "<html" not in body
    assert 'name="subject"' not in body


def test_request_in_an_inactive_category_is_refused_with_a_message(
    customer: User, deposit: Category
) -> None:
    Category.objects.filter(pk=deposit.pk).update(is_active=False)

    response = client_for(customer).post(reverse("portal:ticket-new"), deposit_form())

    assert not Ticket.objects.exists()
    assert "This kind of request is no longer available." in response.text


def test_deposit_request_is_created_with_checked_fields(
    customer: User, deposit: Category
) -> None:
    response = client_for(customer).post(reverse("portal:ticket-new"), deposit_form())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket)
    assert ticket.customer == customer
    assert ticket.channel == "web"
    assert ticket.fields["txid"] == ERC20_TXID
    assert ticket.fields["network"] == "ERC20"
    assert ticket.team == deposit.default_team
    assert any(ticket.reference in text for text in flashes(response))


def test_trc20_deposit_request_is_created(customer: User, deposit: Category) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-new"), deposit_form(f_network="TRC20", f_txid=TRC20_TXID)
    )

    assert response.status_code == 302
    assert Ticket.objects.get().fields["txid"] == TRC20_TXID


def test_bad_txid_is_shown_by_the_field_and_keeps_everything_typed(
    customer: User, deposit: Category
) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-new"), deposit_form(f_txid="0x1234-not-a-hash")
    )

    body = response.text
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert "This is not a valid transaction hash (TxID) on Ethereum (ERC20)." in body
    assert 'id="id_f_txid_error"' in body
    assert 'aria-invalid="true"' in body
    assert 'value="0x1234-not-a-hash"' in body
    assert 'value="USDT deposit missing"' in body
    assert "I sent 150.5 USDT from my wallet an hour ago.</textarea>" in body
    assert 'value="150.5"' in body
    assert '<option value="ERC20" selected>' in body


def test_missing_required_field_is_reported_by_the_field(
    customer: User, deposit: Category
) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-new"), deposit_form(f_amount="")
    )

    assert not Ticket.objects.exists()
    assert 'id="id_f_amount_error"' in response.text


def test_memo_is_required_on_a_network_that_uses_one(
    customer: User, deposit: Category
) -> None:
    xrp_txid = "E3FE6EA3D48F0C2B639448020EA4F03D4F4F8FFDB243A852A0F59177921B4879"

    response = client_for(customer).post(
        reverse("portal:ticket-new"),
        deposit_form(f_network="XRP", f_txid=xrp_txid, f_memo=""),
    )

    body = response.text
    assert not Ticket.objects.exists()
    assert 'id="id_f_memo_error"' in body
    assert "Destination tag" in body


def test_datetime_is_read_in_the_customers_time_zone(
    customer: User, deposit: Category
) -> None:
    client_for(customer).post(
        reverse("portal:ticket-new"), deposit_form(tz_offset="480")
    )

    assert Ticket.objects.get().fields["time"] == "2025-11-20T10:30:00+08:00"


def test_chinese_subject_and_description_round_trip(
    customer: User, deposit: Category
) -> None:
    client = client_for(customer)
    subject = "USDT 充值没有到账"
    description = "我一个小时前从钱包转了 150.5 USDT，到现在还没有到账。"

    response = client.post(
        reverse("portal:ticket-new"),
        deposit_form(subject=subject, description=description),
    )

    ticket = Ticket.objects.get()
    page = client.get(response["Location"]).text
    assert (ticket.subject, ticket.description) == (subject, description)
    assert subject in page
    assert description in page


def test_new_request_uses_the_current_language(
    customer: User, deposit: Category
) -> None:
    client = client_for(customer)
    client.cookies["django_language"] = "zh-hans"

    client.post(reverse("portal:ticket-new"), deposit_form())

    assert Ticket.objects.get().language == "zh-hans"


# --- ticket page ---------------------------------------------------------------------------


def test_ticket_page_shows_fields_explorer_links_and_progress(
    customer: User, ticket: Ticket
) -> None:
    response = client_for(customer).get(detail_url(ticket))

    body = response.text
    assert ticket.reference in body
    assert f"https://etherscan.io/tx/{ERC20_TXID}" in body
    assert f'<span class="mono break">{ERC20_TXID}</span>' in body
    assert "Ethereum (ERC20)" in body
    assert 'class="step-current" aria-current="step"' in body
    assert "Close this request" in body
    assert "How did we do?" not in body


def test_internal_notes_never_reach_the_portal(
    customer: User, ticket: Ticket, agent: User
) -> None:
    services.reply_add(
        ticket=ticket,
        author=agent,
        body="Internal: customer looks like a scammer",
        kind=MessageKind.NOTE,
    )
    services.reply_add(
        ticket=ticket, author=agent, body="We are checking the blockchain."
    )

    response = client_for(customer).get(detail_url(ticket))

    assert "We are checking the blockchain." in response.text
    assert "looks like a scammer" not in response.text


def test_reply_is_added_and_redirects_back(customer: User, ticket: Ticket) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-reply", args=[ticket.reference]), {"body": "Any news?"}
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket) + "#conversation"
    assert ticket.messages.get().body == "Any news?"


def test_reply_over_htmx_returns_the_conversation_and_status(
    customer: User, ticket: Ticket, agent: User
) -> None:
    services.reply_add(ticket=ticket, author=agent, body="Please confirm the amount.")

    response = client_for(customer).post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "It was 150.5 USDT."},
        headers={"HX-Request": "true"},
    )

    body = response.text
    ticket.refresh_from_db()
    assert body.lstrip().startswith('<section id="conversation"')
    assert "It was 150.5 USDT." in body
    assert "Your reply was sent." in body
    assert '<aside id="ticket-aside" class="ticket-aside" hx-swap-oob="true"' in body
    assert ticket.status == Status.OPEN


def test_empty_reply_shows_an_error_and_adds_nothing(
    customer: User, ticket: Ticket
) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "  "},
        headers={"HX-Request": "true"},
    )

    assert 'id="id_body_error"' in response.text
    assert not ticket.messages.exists()


def test_reply_can_supply_the_fields_support_asked_for(
    customer: User, deposit: Category
) -> None:
    ticket = make_ticket(
        customer=customer,
        category=deposit,
        fields={"coin": "USDT", "network": "TRC20", "amount": "10"},
        require_fields=False,
    )
    client = client_for(customer)
    page = client.get(detail_url(ticket)).text

    response = client.post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "Here it is.", "f_txid": TRC20_TXID, "f_time": "2025-11-20T10:30"},
    )

    ticket.refresh_from_db()
    assert 'name="f_txid"' in page
    assert 'name="f_coin"' not in page
    assert response.status_code == 302
    assert ticket.fields["txid"] == TRC20_TXID
    assert ticket.missing_fields == []
    assert ticket.status == Status.OPEN


def test_bad_requested_field_in_a_reply_is_shown_by_the_field(
    customer: User, deposit: Category
) -> None:
    ticket = make_ticket(
        customer=customer,
        category=deposit,
        fields={
            "coin": "USDT",
            "network": "TRC20",
            "amount": "10",
            "time": "2025-11-20T10:30",
        },
        require_fields=False,
    )

    response = client_for(customer).post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "Here it is.", "f_txid": "nope"},
    )

    assert 'id="id_f_txid_error"' in response.text
    assert 'value="nope"' in response.text
    assert "Here it is.</textarea>" in response.text


def _solve(ticket: Ticket, agent: User) -> None:
    services.ticket_update(
        ticket=ticket, actor=agent, changes={"status": Status.SOLVED}
    )


def test_reply_to_a_recently_solved_request_reopens_it(
    customer: User, ticket: Ticket, agent: User
) -> None:
    _solve(ticket, agent)

    response = client_for(customer).post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "Still not there."},
    )

    ticket.refresh_from_db()
    assert response["Location"].startswith(detail_url(ticket))
    assert ticket.status == Status.OPEN
    assert not Ticket.objects.filter(follow_up_of=ticket).exists()


def test_reply_after_the_reopen_window_starts_a_linked_follow_up(
    customer: User, ticket: Ticket, agent: User
) -> None:
    _solve(ticket, agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        solved_at=timezone.now() - timedelta(days=8)
    )
    client = client_for(customer)
    page = client.get(detail_url(ticket)).text

    response = client.post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "It happened again."},
    )

    follow_up = Ticket.objects.get(follow_up_of=ticket)
    ticket.refresh_from_db()
    assert "Replying starts a follow-up request" in page
    assert response["Location"] == detail_url(follow_up)
    assert ticket.status == Status.SOLVED
    assert follow_up.messages.filter(body="It happened again.").exists()


def test_reply_to_a_closed_request_starts_a_follow_up(
    customer: User, ticket: Ticket, agent: User
) -> None:
    services.ticket_update(
        ticket=ticket, actor=agent, changes={"status": Status.CLOSED}
    )
    client = client_for(customer)
    page = client.get(detail_url(ticket)).text

    response = client.post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "One more question."},
        headers={"HX-Request": "true"},
    )

    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert "This request is closed. Reply to start a follow-up request." in page
    assert response["HX-Redirect"] == detail_url(follow_up)
    assert "Close this request" not in page


def test_customer_closes_a_request(customer: User, ticket: Ticket) -> None:
    client = client_for(customer)

    response = client.post(reverse("portal:ticket-close", args=[ticket.reference]))

    ticket.refresh_from_db()
    page = client.get(detail_url(ticket)).text
    assert response["Location"] == detail_url(ticket)
    assert ticket.status == Status.SOLVED
    assert "How did we do?" in page


def test_rating_is_refused_before_the_request_is_solved(
    customer: User, ticket: Ticket
) -> None:
    response = client_for(customer).post(
        reverse("portal:ticket-rate", args=[ticket.reference]), {"rating": "5"}
    )

    ticket.refresh_from_db()
    assert ticket.rating is None
    assert "You can rate a request once it is solved." in flashes(response)


def test_rating_a_solved_request_is_saved_once(
    customer: User, ticket: Ticket, agent: User
) -> None:
    _solve(ticket, agent)
    client = client_for(customer)

    client.post(
        reverse("portal:ticket-rate", args=[ticket.reference]),
        {"rating": "4", "comment": "快，谢谢"},
    )

    ticket.refresh_from_db()
    page = client.get(detail_url(ticket)).text
    assert (ticket.rating, ticket.rating_comment) == (4, "快，谢谢")
    assert "How did we do?" not in page
    assert "You rated our help 4 out of 5." in page


def test_rating_without_stars_keeps_the_comment(
    customer: User, ticket: Ticket, agent: User
) -> None:
    _solve(ticket, agent)

    response = client_for(customer).post(
        reverse("portal:ticket-rate", args=[ticket.reference]),
        {"comment": "Helpful agent"},
    )

    ticket.refresh_from_db()
    assert ticket.rating is None
    assert 'id="id_rating_error"' in response.text
    assert "Helpful agent</textarea>" in response.text


def test_merged_request_links_to_where_it_continues(
    customer: User, deposit: Category, agent: User
) -> None:
    source = make_ticket(customer=customer, category=deposit, fields=DEPOSIT_VALUES)
    target = make_ticket(customer=customer, category=deposit, fields=DEPOSIT_VALUES)
    services.ticket_merge(source=source, target=target, actor=agent)

    page = client_for(customer).get(detail_url(source)).text

    assert f"This request was merged into {target.reference}" in page
    assert f'href="{detail_url(target)}"' in page
    assert 'id="reply-form"' not in page
    assert "How did we do?" not in page


def test_auditor_reply_post_is_sent_to_the_console(ticket: Ticket) -> None:
    auditor = UserFactory.create(role=Role.AUDITOR)

    response = client_for(auditor).post(
        reverse("portal:ticket-reply", args=[ticket.reference]), {"body": "hi"}
    )

    assert response["Location"] == "/console/"
    assert not ticket.messages.exists()
