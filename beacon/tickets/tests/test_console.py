"""The agent console: who may see and change what, the list's filters and pages, the ticket page's forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from beacon.accounts.models import Membership, Role, Team, User, VipTier
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets import services
from beacon.tickets.console.lists import PAGE_SIZE
from beacon.tickets.console_forms import staff_for, teams_for
from beacon.tickets.models import (
    Attachment,
    Category,
    Channel,
    LinkKind,
    Macro,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# Factories are untyped (factory_boy); these give the tests real model types.
def new_user(factory: Any, **fields: Any) -> User:
    user = factory(**fields)
    assert isinstance(user, User)
    return user


def new_team(**fields: Any) -> Team:
    factory: Any = TeamFactory
    team = factory(**fields)
    assert isinstance(team, Team)
    return team


def new_category(**fields: Any) -> Category:
    factory: Any = CategoryFactory
    category = factory(**fields)
    assert isinstance(category, Category)
    return category


@dataclass
class Desk:
    team_x: Team
    team_y: Team
    category_x: Category
    agent_x: User
    agent_y: User
    admin: User
    auditor: User
    alice: User
    bob: User
    ticket: Ticket  # alice's, in team x


@pytest.fixture
def desk() -> Desk:
    return make_desk()


def make_desk() -> Desk:
    team_x, team_y = new_team(slug="deposits"), new_team(slug="security")
    category_x = new_category(slug="deposit", default_team=team_x)
    alice = new_user(
        CustomerFactory,
        email="alice@example.com",
        display_name="Alice Chen",
        exchange_uid="88001234",
        vip_tier=VipTier.VIP2,
    )
    return Desk(
        team_x=team_x,
        team_y=team_y,
        category_x=category_x,
        agent_x=new_user(AgentFactory, teams=[team_x], display_name="Xavier"),
        agent_y=new_user(AgentFactory, teams=[team_y], display_name="Yolanda"),
        admin=new_user(UserFactory, role=Role.ADMIN),
        auditor=new_user(UserFactory, role=Role.AUDITOR),
        alice=alice,
        bob=new_user(CustomerFactory, email="bob@example.com"),
        ticket=make_ticket(
            customer=alice,
            category=category_x,
            subject="充值未到账",
            description="我的USDT充值两个小时了还没有到账",
        ),
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ticket_urls(reference: str) -> dict[str, str]:
    return {
        name: reverse(f"console:{name}", args=[reference])
        for name in (
            "ticket",
            "ticket-reply",
            "ticket-properties",
            "ticket-macro",
            "ticket-macro-apply",
            "ticket-merge",
            "ticket-link",
        )
    }


POST_ENDPOINTS = (
    "ticket-reply",
    "ticket-properties",
    "ticket-macro-apply",
    "ticket-merge",
    "ticket-link",
)


def reply_data(
    body: str = "We are checking your deposit.",
    kind: str = MessageKind.REPLY,
    status: str = "",
) -> dict[str, str]:
    return {"body": body, "kind": kind, "status": status}


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ticket", "ticket-macro"])
def test_anonymous_ticket_pages_redirect_to_login(desk: Desk, name: str) -> None:
    response = Client().get(ticket_urls(desk.ticket.reference)[name])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_list_redirects_to_login() -> None:
    response = Client().get(reverse("console:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_anonymous_posts_change_nothing(desk: Desk, name: str) -> None:
    response = Client().post(ticket_urls(desk.ticket.reference)[name], reply_data())

    assert response.status_code == 302
    assert not Message.objects.filter(ticket=desk.ticket).exists()


def test_customer_opening_console_goes_to_portal(desk: Desk) -> None:
    response = logged_in(desk.alice).get(reverse("console:index"))

    assert response.status_code == 302
    assert response["Location"] == "/tickets/"


@pytest.mark.parametrize("name", ["ticket", "ticket-macro"])
def test_customer_gets_404_on_console_ticket_pages_even_for_own_ticket(
    desk: Desk, name: str
) -> None:
    response = logged_in(desk.alice).get(ticket_urls(desk.ticket.reference)[name])

    assert response.status_code == 404


@pytest.mark.parametrize("name", [*POST_ENDPOINTS, "bulk"])
def test_customer_posts_get_404(desk: Desk, name: str) -> None:
    url = (
        reverse("console:bulk")
        if name == "bulk"
        else ticket_urls(desk.ticket.reference)[name]
    )

    response = logged_in(desk.alice).post(
        url,
        {**reply_data(), "bulk-ids": [desk.ticket.pk], "bulk-status": Status.SOLVED},
    )

    assert response.status_code == 404
    desk.ticket.refresh_from_db()
    assert desk.ticket.status == Status.NEW
    assert not Message.objects.filter(ticket=desk.ticket).exists()


def test_agent_of_another_team_gets_404_on_ticket_page(desk: Desk) -> None:
    response = logged_in(desk.agent_y).get(ticket_urls(desk.ticket.reference)["ticket"])

    assert response.status_code == 404
    assert desk.ticket.subject not in response.content.decode()


def test_agent_of_another_team_gets_404_on_macro_preview(desk: Desk) -> None:
    macro = Macro.objects.create(name="Greeting", body_en="Hello {{ customer.name }}")

    response = logged_in(desk.agent_y).get(
        ticket_urls(desk.ticket.reference)["ticket-macro"], {"macro": macro.pk}
    )

    assert response.status_code == 404
    assert "Alice" not in response.content.decode()


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_agent_of_another_team_cannot_post_to_the_ticket(desk: Desk, name: str) -> None:
    other = make_ticket(customer=desk.alice, category=desk.category_x)
    macro = Macro.objects.create(name="Greeting", body_en="Hello")
    data = {
        **reply_data(),
        "priority": "1",
        "category": desk.category_x.pk,
        "macro": macro.pk,
        "merge-target": other.reference,
        "link-target": other.reference,
        "link-kind": LinkKind.RELATED,
    }

    response = logged_in(desk.agent_y).post(
        ticket_urls(desk.ticket.reference)[name], data
    )

    assert response.status_code == 404
    desk.ticket.refresh_from_db()
    assert (desk.ticket.status, desk.ticket.priority, desk.ticket.merged_into) == (
        Status.NEW,
        3,
        None,
    )
    assert not Message.objects.filter(ticket=desk.ticket).exists()
    assert not TicketLink.objects.exists()


def test_bulk_request_with_a_foreign_ticket_is_refused_whole(desk: Desk) -> None:
    foreign = make_ticket(
        customer=desk.bob, category=new_category(default_team=desk.team_y)
    )

    response = logged_in(desk.agent_x).post(
        reverse("console:bulk"),
        {"bulk-ids": [desk.ticket.pk, foreign.pk], "bulk-status": Status.ON_HOLD},
    )

    assert response.status_code == 404
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.NEW}


def test_attachment_link_is_not_exposed_to_another_team(desk: Desk) -> None:
    services.reply_add(
        ticket=desk.ticket,
        author=desk.alice,
        body="Screenshot attached",
        uploads=[SimpleUploadedFile("proof.txt", b"deposit proof")],
    )
    token = Attachment.objects.get().token
    agent_y = logged_in(desk.agent_y)

    page = agent_y.get(ticket_urls(desk.ticket.reference)["ticket"])
    listing = agent_y.get(reverse("console:index"), {"view": "all"})
    own_team = logged_in(desk.agent_x).get(ticket_urls(desk.ticket.reference)["ticket"])

    assert page.status_code == 404 and token not in page.content.decode()
    assert (
        token not in listing.content.decode()
        and desk.ticket.reference not in listing.content.decode()
    )
    assert f"/attachments/{token}/" in own_team.content.decode()


def test_auditor_reads_everything_without_forms(desk: Desk) -> None:
    auditor = logged_in(desk.auditor)

    listing = auditor.get(reverse("console:index"), {"view": "all"})
    page = auditor.get(ticket_urls(desk.ticket.reference)["ticket"])

    assert (
        listing.status_code == 200 and desk.ticket.reference in listing.content.decode()
    )
    assert 'id="bulk-form"' not in listing.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert desk.ticket.subject in html
    assert (
        'id="reply-form"' not in html and 'method="post" action="/console/' not in html
    )
    assert "Read-only access" in html


@pytest.mark.parametrize("name", [*POST_ENDPOINTS, "bulk"])
def test_auditor_posts_are_forbidden(desk: Desk, name: str) -> None:
    url = (
        reverse("console:bulk")
        if name == "bulk"
        else ticket_urls(desk.ticket.reference)[name]
    )

    response = logged_in(desk.auditor).post(
        url,
        {**reply_data(), "bulk-ids": [desk.ticket.pk], "bulk-status": Status.SOLVED},
    )

    assert response.status_code == 403
    desk.ticket.refresh_from_db()
    assert desk.ticket.status == Status.NEW
    assert not Message.objects.filter(ticket=desk.ticket).exists()


def test_admin_sees_tickets_of_every_team(desk: Desk) -> None:
    other = make_ticket(
        customer=desk.bob, category=new_category(default_team=desk.team_y)
    )

    response = logged_in(desk.admin).get(reverse("console:index"), {"view": "all"})

    assert (
        desk.ticket.reference in response.content.decode()
        and other.reference in response.content.decode()
    )


# --- list ----------------------------------------------------------------------------------


def listed(client: Client, **params: str | int) -> str:
    response = client.get(reverse("console:index"), {"view": "all", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_the_row_details(desk: Desk) -> None:
    html = listed(logged_in(desk.agent_x))

    assert desk.ticket.reference in html
    # Partly masked: agent_x is outside Account Security and KYC (beacon/triage/pii.py).
    assert "a***e@example.com" in html and "VIP 2" in html
    assert "badge-p3" in html and "status-new" in html


def _row(html: str, reference: str) -> str:
    found = re.search(
        rf'<tr class="ticket-row"[^>]*data-href="[^"]*{reference}/">.*?</tr>',
        html,
        re.S,
    )
    assert found is not None, reference
    return found.group(0)


def test_list_rows_show_times_in_the_site_zone(desk: Desk) -> None:
    created = datetime(2026, 12, 6, 12, 34, 56, tzinfo=UTC)
    Ticket.objects.filter(pk=desk.ticket.pk).update(
        created_at=created, updated_at=created + timedelta(days=40, hours=5)
    )

    with timezone.override(ZoneInfo("Asia/Shanghai")):
        row = _row(listed(logged_in(desk.agent_x)), desk.ticket.reference)

    assert (
        '<td class="col-time"><time datetime="2026-12-06T20:34:56+08:00" data-relative>'
        "2026-12-06 20:34</time></td>"
        '<td class="col-time"><time datetime="2027-01-16T01:34:56+08:00" data-relative>'
        "2027-01-16 01:34</time></td>"
    ) in row


def test_list_rows_show_names_in_the_reader_language_and_the_assignee(
    desk: Desk,
) -> None:
    desk.category_x.name_zh = "充值问题"
    desk.category_x.save()
    desk.team_x.name_zh = "充提团队"
    desk.team_x.save()
    assigned = make_ticket(customer=desk.bob, category=desk.category_x, tags=["urgent"])
    services.ticket_update(
        ticket=assigned, actor=desk.agent_x, changes={"assignee": desk.agent_x}
    )
    client = logged_in(desk.agent_x)

    english = listed(client)
    row = _row(english, assigned.reference)
    assert f"<td>{desk.category_x.name_en}</td>" in row
    assert f"<td>{desk.team_x.name_en}</td>" in row
    assert "<td>Xavier</td>" in row and '<span class="tag">urgent</span>' in row
    assert 'class="muted">Unassigned</span>' in _row(english, desk.ticket.reference)

    desk.agent_x.language = "zh-hans"
    desk.agent_x.save()
    chinese = listed(logged_in(desk.agent_x))
    row = _row(chinese, assigned.reference)
    assert "<td>充值问题</td>" in row and "<td>充提团队</td>" in row


def test_list_filters_narrow_the_tickets(desk: Desk) -> None:
    client = logged_in(desk.agent_x)
    other_category = new_category(slug="withdrawal", default_team=desk.team_x)
    urgent = make_ticket(
        customer=desk.bob,
        category=other_category,
        priority=1,
        channel=Channel.EMAIL,
        tags=["vip-desk"],
    )
    services.ticket_update(
        ticket=urgent,
        actor=desk.agent_x,
        changes={"status": Status.ON_HOLD, "assignee": desk.agent_x},
    )

    by_status = listed(client, status=Status.ON_HOLD)
    by_priority = listed(client, priority=1)
    by_category = listed(client, category=other_category.pk)
    by_assignee = listed(client, assignee=desk.agent_x.pk)
    by_channel = listed(client, channel=Channel.EMAIL)
    by_tag = listed(client, tag="vip-desk")
    by_team = listed(client, team=desk.team_x.pk)

    for html in (by_status, by_priority, by_category, by_assignee, by_channel, by_tag):
        assert urgent.reference in html and desk.ticket.reference not in html
    assert urgent.reference in by_team and desk.ticket.reference in by_team


def test_views_split_mine_unassigned_and_pending(desk: Desk) -> None:
    client = logged_in(desk.agent_x)
    mine = make_ticket(customer=desk.bob, category=desk.category_x)
    services.ticket_update(
        ticket=mine, actor=desk.agent_x, changes={"assignee": desk.agent_x}
    )
    pending = make_ticket(customer=desk.bob, category=desk.category_x)
    services.ticket_update(
        ticket=pending, actor=desk.agent_x, changes={"status": Status.PENDING_CUSTOMER}
    )

    mine_html = listed(client, view="mine")
    unassigned_html = listed(client, view="unassigned")
    pending_html = listed(client, view="pending")

    assert mine.reference in mine_html and desk.ticket.reference not in mine_html
    assert (
        desk.ticket.reference in unassigned_html
        and mine.reference not in unassigned_html
        and pending.reference not in unassigned_html
    )
    assert (
        pending.reference in pending_html and desk.ticket.reference not in pending_html
    )


def view_count(html: str, view: str) -> str:
    start = html.index(f'?view={view}"')
    count_at = html.index('<span class="count">', start) + len('<span class="count">')
    return html[count_at : html.index("</span>", count_at)]


def test_mine_leaves_out_my_tickets_in_teams_i_left(desk: Desk) -> None:
    moved = make_ticket(customer=desk.bob, category=desk.category_x)
    services.ticket_update(
        ticket=moved, actor=desk.agent_x, changes={"assignee": desk.agent_x}
    )
    Ticket.objects.filter(pk=moved.pk).update(team=desk.team_y)

    html = listed(logged_in(desk.agent_x), view="mine")

    assert moved.reference not in html
    assert view_count(html, "mine") == "0"


def test_my_bulk_change_shows_in_the_view_counts_at_once(desk: Desk) -> None:
    client = logged_in(desk.agent_x)
    before = listed(client)

    client.post(
        reverse("console:bulk"),
        {"bulk-ids": [desk.ticket.pk], "bulk-assignee": desk.agent_x.pk},
        headers=HTMX,
    )
    after = listed(client)

    assert view_count(before, "mine") == "0" and view_count(after, "mine") == "1"
    assert view_count(before, "unassigned") == "1"
    assert view_count(after, "unassigned") == "0"


def test_list_escapes_what_customers_wrote(desk: Desk) -> None:
    make_ticket(
        customer=desk.bob,
        category=desk.category_x,
        subject='<script>alert("x")</script> & co',
        tags=["vip"],
    )

    html = listed(logged_in(desk.agent_x))

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert '<span class="tag">vip</span>' in html


def test_stale_filter_values_are_ignored_not_an_error(desk: Desk) -> None:
    html = listed(
        logged_in(desk.agent_x), team=desk.team_y.pk, priority="9", view="nonsense"
    )

    assert desk.ticket.reference in html


@pytest.mark.parametrize(
    "query",
    ["reference", "reference-lower", "email", "uid", "text", "chinese"],
)
def test_search_finds_the_ticket(desk: Desk, query: str) -> None:
    client = logged_in(desk.agent_x)
    decoy = make_ticket(
        customer=desk.bob,
        category=desk.category_x,
        subject="Withdrawal stuck",
        description="Please help with my BTC withdrawal",
    )
    make_ticket(
        customer=desk.alice,
        category=desk.category_x,
        subject="Deposit via TRC20",
        description="USDT deposit missing",
    )
    q = {
        "reference": desk.ticket.reference,
        "reference-lower": desk.ticket.reference.lower(),
        "email": "bob@example.com",
        "uid": desk.bob.exchange_uid or "",
        "text": "withdrawal",
        "chinese": "充值",
    }[query]
    expected = decoy if query in ("email", "uid", "text") else desk.ticket

    html = listed(client, q=q)

    assert expected.reference in html
    others = {desk.ticket.reference, decoy.reference} - {expected.reference}
    assert not any(reference in html for reference in others)


def test_htmx_list_request_returns_only_the_list_partial(desk: Desk) -> None:
    response = logged_in(desk.agent_x).get(
        reverse("console:index"), {"view": "all"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ticket-list"')
    assert "<html" not in html and 'id="filter-form"' not in html
    assert desk.ticket.reference in html
    assert "HX-Request" in response["Vary"]
    # The bulk form, with its address and the list's filters, also when its fields are cached.
    bulk = f'hx-post="{reverse("console:bulk")}"'
    for _ in range(2):
        again = logged_in(desk.agent_x).get(
            reverse("console:index"), {"view": "all"}, headers=HTMX
        )
        assert bulk in again.content.decode()
        assert _offered(again.content.decode(), "bulk-status")[0] == "No change"


def test_list_pages_with_a_cursor(desk: Desk) -> None:
    client = logged_in(desk.agent_x)
    for _ in range(PAGE_SIZE):
        make_ticket(customer=desk.bob, category=desk.category_x)

    first = client.get(reverse("console:index"), {"view": "all"})
    next_url = first.context["next_url"]
    second = client.get(next_url)

    first_refs = {t["reference"] for t in first.context["page"].items}
    second_refs = {t["reference"] for t in second.context["page"].items}
    assert len(first_refs) == PAGE_SIZE and len(second_refs) == 1
    assert first_refs.isdisjoint(second_refs)
    assert second.context["next_url"] == ""


def test_bad_cursor_shows_first_page_with_a_notice(desk: Desk) -> None:
    response = logged_in(desk.agent_x).get(
        reverse("console:index"), {"view": "all", "cursor": "!!!"}
    )

    assert response.status_code == 200
    assert desk.ticket.reference in response.content.decode()
    assert "cursor is not valid" in response.content.decode()


def test_list_query_count_is_constant(
    desk: Desk,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    customers = [new_user(CustomerFactory, vip_tier=VipTier.VIP1) for _ in range(5)]
    for n in range(55):
        make_ticket(
            customer=customers[n % 5], category=desk.category_x, tags=[f"tag{n % 3}"]
        )
    client = logged_in(desk.agent_x)

    # user, memberships, page ids, tickets, tag names, SLA targets, 5 view counts, the staff
    # both forms offer (loaded once), and the teams and categories with the configuration
    # version each is checked against: 16, however many rows and tags.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("console:index"), {"view": "all"})
    # The view counts are reused for a few seconds, the teams and categories until the
    # configuration changes (only its version is read): 7 queries fewer.
    with django_assert_max_num_queries(9):
        client.get(reverse("console:index"), {"view": "all"})

    assert len(response.context["page"].items) == PAGE_SIZE


def _offered(html: str, name: str) -> list[str]:
    """The labels of the options of the select named `name` in `html`, in order."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    return [
        unescape(label)
        for label in re.findall(r"<option [^>]*>([^<]*)</option>", select.group(1))
    ]


def test_list_filters_offer_what_the_viewer_works_with_and_follow_changes(
    desk: Desk,
) -> None:
    other = new_user(AgentFactory, teams=[desk.team_x], display_name="Aaron")
    agent_page = logged_in(desk.agent_x).get(reverse("console:index")).content.decode()
    admin_page = logged_in(desk.admin).get(reverse("console:index")).content.decode()

    # The same people, in the same order, as the querysets the forms validate with.
    agents_staff = [str(user) for user in staff_for(desk.agent_x)]
    assert sorted(agents_staff) == ["Aaron", "Xavier"]
    assert _offered(agent_page, "team") == ["Any", desk.team_x.name_en]
    assert _offered(agent_page, "assignee") == ["Anyone", *agents_staff]
    assert _offered(agent_page, "bulk-assignee") == ["No change", *agents_staff]
    assert _offered(admin_page, "team") == [
        "Any",
        *(str(team) for team in teams_for(desk.admin)),
    ]
    assert _offered(admin_page, "assignee") == [
        "Anyone",
        *(str(user) for user in staff_for(desk.admin)),
    ]
    assert "Yolanda" in _offered(admin_page, "assignee")

    # Changes show on the next page: the cached teams and categories follow the
    # configuration version, the staff are read on each page.
    desk.team_x.name_en = "Deposits (renamed)"
    desk.team_x.save()
    added = new_category(slug="new-kind")
    other.is_active = False
    other.save()
    again = logged_in(desk.agent_x).get(reverse("console:index")).content.decode()

    assert _offered(again, "team") == ["Any", "Deposits (renamed)"]
    assert str(added) in _offered(again, "category")
    assert str(added) not in _offered(agent_page, "category")
    assert _offered(again, "assignee") == ["Anyone", "Xavier"]


def _selected(html: str, name: str) -> list[str]:
    """The labels of the selected options of the select named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    return [
        unescape(label)
        for label in re.findall(
            r"<option [^>]*\bselected\b[^>]*>([^<]*)</option>", select.group(1)
        )
    ]


def test_cached_filter_fields_show_each_request_its_values_and_language(
    desk: Desk,
) -> None:
    """The filter and bulk fields are drawn once per language, choices and values (the
    template's {% cache %}): each request still sees its own values, in the reader's language."""
    desk.category_x.name_zh = "充值问题"
    desk.category_x.save()
    desk.team_x.name_zh = "充提团队"
    desk.team_x.save()
    client = logged_in(desk.agent_x)

    for _ in range(2):  # drawn, then from the cache
        chosen = listed(client, status=Status.ON_HOLD, team=desk.team_x.pk, tag="vip")
        assert _selected(chosen, "status") == ["On hold"]
        assert _selected(chosen, "team") == [desk.team_x.name_en]
        assert 'name="tag" value="vip"' in chosen
        plain = listed(client)
        assert _selected(plain, "status") == ["Any"]
        assert _selected(plain, "team") == ["Any"]
        assert 'name="tag" value=""' in plain
        assert _selected(plain, "bulk-status") == ["No change"]

    desk.agent_x.language = "zh-hans"
    desk.agent_x.save()
    chinese = listed(logged_in(desk.agent_x), status=Status.ON_HOLD)
    assert _offered(chinese, "team")[1:] == ["充提团队"]
    assert "充值问题" in _offered(chinese, "category")
    assert _offered(chinese, "bulk-team")[1:] == ["充提团队"]
    assert _selected(chinese, "status") == ["挂起"]
    assert desk.team_x.name_en in _offered(listed(logged_in(desk.admin)), "team")


def test_console_menu_follows_the_role_of_each_viewer(desk: Desk) -> None:
    lead = new_user(UserFactory, role=Role.LEAD)
    routing = f'href="{reverse("routing:dry-run")}"'
    audit = f'href="{reverse("console:audit:events")}"'

    for _ in range(2):
        agent_page = listed(logged_in(desk.agent_x))
        lead_page = listed(logged_in(lead))
        auditor_page = listed(logged_in(desk.auditor))
        assert routing not in agent_page and audit not in agent_page
        assert routing in lead_page and audit not in lead_page
        assert audit in auditor_page and routing not in auditor_page


def test_htmx_list_query_count_is_constant(
    desk: Desk,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(55):
        make_ticket(customer=desk.bob, category=desk.category_x, tags=["usdt"])
    client = logged_in(desk.agent_x)

    # user, memberships, the newest matches (SQLite's full-text index), page ids, tickets, tag
    # names, SLA targets, bulk choices (staff; teams and the configuration version they are
    # checked against); no sidebar counts, no filter choices.
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("console:index"), {"view": "all", "q": "deposit"}, headers=HTMX
        )

    assert len(response.context["page"].items) == PAGE_SIZE


# --- bulk ----------------------------------------------------------------------------------


def test_bulk_update_changes_every_selected_ticket(desk: Desk) -> None:
    second = make_ticket(customer=desk.bob, category=desk.category_x, tags=["kept"])
    untouched = make_ticket(customer=desk.bob, category=desk.category_x)

    response = logged_in(desk.agent_x).post(
        reverse("console:bulk"),
        {
            "bulk-ids": [desk.ticket.pk, second.pk],
            "bulk-status": Status.ON_HOLD,
            "bulk-priority": "2",
            "bulk-assignee": desk.agent_x.pk,
            "bulk-add_tag": "Escalated",
            "view": "all",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "2 tickets updated." in response.content.decode()
    for ticket in (desk.ticket, second):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.assignee) == (
            Status.ON_HOLD,
            2,
            desk.agent_x,
        )
    assert sorted(second.tags.values_list("name", flat=True)) == ["escalated", "kept"]
    assert list(desk.ticket.tags.values_list("name", flat=True)) == ["escalated"]
    untouched.refresh_from_db()
    assert untouched.status == Status.NEW


def test_bulk_update_without_javascript_redirects_to_the_same_list(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        reverse("console:bulk"),
        {
            "bulk-ids": [desk.ticket.pk],
            "bulk-priority": "1",
            "view": "all",
            "q": "充值",
        },
    )

    assert response.status_code == 303
    assert response["Location"].startswith(reverse("console:index") + "?")
    assert "view=all" in response["Location"]
    desk.ticket.refresh_from_db()
    assert desk.ticket.priority == 1


def test_bulk_domain_error_is_shown_and_nothing_changes(desk: Desk) -> None:
    second = make_ticket(customer=desk.bob, category=desk.category_x)
    new_user(AgentFactory, teams=[desk.team_y])

    # Assigning someone outside the tickets' team: the service refuses, all or nothing.
    response = logged_in(desk.admin).post(
        reverse("console:bulk"),
        {
            "bulk-ids": [desk.ticket.pk, second.pk],
            "bulk-priority": "1",
            "bulk-assignee": desk.agent_y.pk,
            "view": "all",
        },
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a member of" in html
    assert (
        f'value="{desk.ticket.pk}" form="bulk-form" data-row-check' in html
        and "checked" in html
    )
    assert set(Ticket.objects.values_list("priority", flat=True)) == {3}


def test_bulk_without_a_change_asks_for_one(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        reverse("console:bulk"), {"bulk-ids": [desk.ticket.pk]}, headers=HTMX
    )

    assert "Choose at least one change" in response.content.decode()


# --- ticket page ---------------------------------------------------------------------------


def test_ticket_page_shows_conversation_notes_history_and_customer(desk: Desk) -> None:
    services.reply_add(
        ticket=desk.ticket,
        author=desk.agent_x,
        body="Checked the chain, looks fine",
        kind=MessageKind.NOTE,
    )
    services.ticket_update(
        ticket=desk.ticket, actor=desk.agent_x, changes={"priority": 1}
    )
    older = make_ticket(
        customer=desk.alice, category=desk.category_x, subject="Old question"
    )
    hidden = make_ticket(
        customer=desk.alice,
        category=new_category(default_team=desk.team_y),
        subject="Security matter",
    )

    html = (
        logged_in(desk.agent_x)
        .get(ticket_urls(desk.ticket.reference)["ticket"])
        .content.decode()
    )

    assert (
        "msg-note" in html and "Internal note" in html and "Checked the chain" in html
    )
    assert (
        'Priority: <span class="old">P3 · Normal</span> → <span class="new">P1 · Urgent</span>'
        in html
    )
    assert "Xavier" in html
    assert "88001234" in html and "VIP 2" in html and "Not verified" in html
    assert older.reference in html and hidden.reference not in html


def test_structured_fields_link_to_the_block_explorer(desk: Desk) -> None:
    from beacon.tickets.tests.factories import DEPOSIT_FIELDS

    category = new_category(
        slug="deposit-form", default_team=desk.team_x, form_fields=DEPOSIT_FIELDS
    )
    txid = "a" * 64
    ticket = make_ticket(
        customer=desk.alice,
        category=category,
        fields={
            "coin": "USDT",
            "network": "TRC20",
            "txid": txid,
            "amount": "100",
            "time": "2025-01-01T10:00",
        },
    )

    html = (
        logged_in(desk.agent_x)
        .get(ticket_urls(ticket.reference)["ticket"])
        .content.decode()
    )

    assert f'href="https://tronscan.org/#/transaction/{txid}"' in html
    assert "Transaction hash (TxID)" in html


def test_note_from_console_is_not_shown_to_the_customer(desk: Desk) -> None:
    agent = logged_in(desk.agent_x)
    agent.post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        reply_data(body="Customer seems to be a bot", kind=MessageKind.NOTE),
    )
    agent.post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        reply_data(body="Your deposit is credited now"),
    )

    portal = logged_in(desk.alice).get(
        reverse("portal:ticket-detail", args=[desk.ticket.reference])
    )

    assert Message.objects.filter(
        ticket=desk.ticket, kind=MessageKind.NOTE, body="Customer seems to be a bot"
    ).exists()
    assert portal.status_code == 200
    assert "Your deposit is credited now" in portal.content.decode()
    assert "Customer seems to be a bot" not in portal.content.decode()


def test_reply_sets_the_chosen_status(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        reply_data(status=Status.SOLVED),
    )

    assert response.status_code == 303
    desk.ticket.refresh_from_db()
    assert desk.ticket.status == Status.SOLVED
    assert desk.ticket.messages.get().body == "We are checking your deposit."


def test_reply_with_attachment_stores_the_file(desk: Desk) -> None:
    upload = SimpleUploadedFile("steps.txt", b"1. open app\n2. deposit")

    logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        {**reply_data(), "attachments": [upload]},
    )

    attachment = Attachment.objects.get()
    assert (
        attachment.message is not None
        and attachment.message.body == "We are checking your deposit."
    )


def test_htmx_reply_returns_fresh_box_and_conversation_out_of_band(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        reply_data(kind=MessageKind.NOTE),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="reply-box"')
    assert (
        'id="conversation" class="conversation" aria-label="Conversation" hx-swap-oob="true"'
        in html
    )
    assert 'id="history" class="card history" hx-swap-oob="true"' in html
    assert (
        "We are checking your deposit." in html
    )  # in the conversation, not the emptied textarea


def test_reply_error_keeps_what_was_typed(desk: Desk) -> None:
    long_text = "Dear customer, " + "x" * 20_001

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-reply"],
        reply_data(body=long_text),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "At most 20000 characters." in html
    assert long_text in html
    assert not Message.objects.exists()


def test_reply_error_without_javascript_rerenders_the_page(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-reply"], reply_data(body="   ")
    )

    assert response.status_code == 400
    assert "Write a message first." in response.content.decode()


def test_closed_ticket_has_no_reply_box(desk: Desk) -> None:
    services.ticket_update(
        ticket=desk.ticket, actor=desk.agent_x, changes={"status": Status.CLOSED}
    )

    html = (
        logged_in(desk.agent_x)
        .get(ticket_urls(desk.ticket.reference)["ticket"])
        .content.decode()
    )

    assert 'id="reply-form"' not in html and "This ticket is closed" in html


def test_properties_save_and_rerender_history(desk: Desk) -> None:
    data = {
        "status": Status.OPEN,
        "priority": "2",
        "category": desk.category_x.pk,
        "team": desk.team_x.pk,
        "assignee": desk.agent_x.pk,
        "tags": "kyc, Urgent",
    }

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-properties"], data, headers=HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="properties"')
    assert 'id="history" class="card history" hx-swap-oob="true"' in html
    assert 'id="ticket-header" class="ticket-header" hx-swap-oob="true"' in html
    desk.ticket.refresh_from_db()
    assert (desk.ticket.status, desk.ticket.priority, desk.ticket.assignee) == (
        Status.OPEN,
        2,
        desk.agent_x,
    )
    assert sorted(desk.ticket.tags.values_list("name", flat=True)) == ["kyc", "urgent"]
    assert TicketEvent.objects.filter(
        ticket=desk.ticket, field="assignee", new_value=str(desk.agent_x)
    ).exists()


def test_moving_a_ticket_out_of_my_teams_returns_to_the_list(desk: Desk) -> None:
    data = {
        "status": Status.NEW,
        "priority": "3",
        "category": desk.category_x.pk,
        "team": desk.team_y.pk,
        "assignee": "",
        "tags": "",
    }

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-properties"], data, headers=HTMX
    )

    assert response["HX-Redirect"] == reverse("console:index")
    desk.ticket.refresh_from_db()
    assert desk.ticket.team == desk.team_y


def test_assignee_choices_follow_the_selected_team(desk: Desk) -> None:
    response = logged_in(desk.agent_x).get(
        ticket_urls(desk.ticket.reference)["ticket-properties"],
        {"team": desk.team_y.pk},
        headers=HTMX,
    )

    assignees = list(response.context["properties_form"].fields["assignee"].queryset)
    assert assignees == [desk.agent_y]


def test_properties_refuse_an_assignee_outside_the_team(desk: Desk) -> None:
    Membership.objects.create(user=desk.agent_y, team=desk.team_x)
    data = {
        "status": Status.NEW,
        "priority": "3",
        "category": desk.category_x.pk,
        "team": desk.team_y.pk,
        "assignee": desk.agent_x.pk,
        "tags": "",
    }

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-properties"], data, headers=HTMX
    )

    assert "Select a valid choice" in response.content.decode()
    desk.ticket.refresh_from_db()
    assert desk.ticket.team == desk.team_x


def test_properties_show_service_errors_beside_the_form(desk: Desk) -> None:
    data = {
        "status": Status.OPEN,
        "priority": "1",
        "category": desk.category_x.pk,
        "team": desk.team_x.pk,
        "assignee": "",
        "tags": "bad tag!",
    }

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-properties"], data, headers=HTMX
    )

    html = response.content.decode()
    assert "Tags use letters, digits" in html
    assert 'value="bad tag!"' in html and '<option value="1" selected>' in html
    desk.ticket.refresh_from_db()
    assert (desk.ticket.status, desk.ticket.priority) == (Status.NEW, 3)


def test_inactive_team_is_not_offered(desk: Desk) -> None:
    inactive_team = new_team(slug="old-team", is_active=False)
    data = {
        "status": Status.NEW,
        "priority": "3",
        "category": desk.category_x.pk,
        "team": inactive_team.pk,
        "assignee": "",
        "tags": "",
    }

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-properties"], data, headers=HTMX
    )

    assert "Select a valid choice" in response.content.decode()
    desk.ticket.refresh_from_db()
    assert desk.ticket.team == desk.team_x


# --- macros --------------------------------------------------------------------------------


def test_macro_preview_fills_placeholders(desk: Desk) -> None:
    macro = Macro.objects.create(
        name="Deposit check",
        body_en="Hi {{ customer.name }}, about {{ ticket.reference }} (UID {{ customer.uid }}). {{ agent.name }}",
    )

    response = logged_in(desk.agent_x).get(
        ticket_urls(desk.ticket.reference)["ticket-macro"],
        {"macro": macro.pk},
        headers=HTMX,
    )

    html = response.content.decode()
    assert (
        f"Hi Alice Chen, about {desk.ticket.reference} (UID 88001234). Xavier" in html
    )
    assert "<html" not in html


def test_macro_preview_without_javascript_fills_the_reply_box(desk: Desk) -> None:
    macro = Macro.objects.create(name="Greeting", body_en="Hello {{ customer.name }}")

    response = logged_in(desk.agent_x).get(
        ticket_urls(desk.ticket.reference)["ticket-macro"], {"macro": macro.pk}
    )

    assert response.context["reply_form"].initial["body"] == "Hello Alice Chen"


def test_macro_of_another_team_is_not_found(desk: Desk) -> None:
    macro = Macro.objects.create(
        name="Security only", body_en="Reset 2FA", team=desk.team_y
    )

    response = logged_in(desk.agent_x).get(
        ticket_urls(desk.ticket.reference)["ticket-macro"],
        {"macro": macro.pk},
        headers=HTMX,
    )

    assert response.status_code == 404


def test_macro_apply_sends_reply_and_applies_status_and_tags(desk: Desk) -> None:
    macro = Macro.objects.create(
        name="Solved",
        body_en="Done, {{ customer.name }}.",
        set_status=Status.SOLVED,
        add_tags=["macro-solved"],
    )

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-macro-apply"],
        {"macro": macro.pk},
        headers=HTMX,
    )

    assert response.status_code == 200
    desk.ticket.refresh_from_db()
    assert desk.ticket.status == Status.SOLVED
    assert desk.ticket.messages.get().body == "Done, Alice Chen."
    assert list(desk.ticket.tags.values_list("name", flat=True)) == ["macro-solved"]


# --- merge and link ------------------------------------------------------------------------


def test_merge_into_a_ticket_of_the_same_customer(desk: Desk) -> None:
    target = make_ticket(
        customer=desk.alice, category=desk.category_x, subject="Same deposit again"
    )

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-merge"],
        {"merge-target": target.reference.lower()},
        headers=HTMX,
    )

    assert response["HX-Redirect"] == reverse("console:ticket", args=[target.reference])
    desk.ticket.refresh_from_db()
    assert desk.ticket.merged_into == target and desk.ticket.status == Status.CLOSED


def test_merge_of_different_customers_shows_the_service_error(desk: Desk) -> None:
    target = make_ticket(customer=desk.bob, category=desk.category_x)

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-merge"],
        {"merge-target": target.reference},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="relations"')
    assert "Only tickets of the same customer can be merged." in html
    assert f'value="{target.reference}"' in html
    desk.ticket.refresh_from_db()
    assert desk.ticket.merged_into is None


def test_merge_into_an_invisible_ticket_looks_like_a_missing_one(desk: Desk) -> None:
    hidden = make_ticket(
        customer=desk.alice, category=new_category(default_team=desk.team_y)
    )

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-merge"],
        {"merge-target": hidden.reference},
        headers=HTMX,
    )

    assert (
        "There is no ticket with this reference that you can see."
        in response.content.decode()
    )
    hidden.refresh_from_db()
    assert hidden.status == Status.NEW


def test_link_a_related_ticket(desk: Desk) -> None:
    other = make_ticket(customer=desk.bob, category=desk.category_x)

    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-link"],
        {"link-target": other.reference, "link-kind": LinkKind.RELATED},
        headers=HTMX,
    )

    html = response.content.decode()
    assert TicketLink.objects.filter(
        source=desk.ticket, target=other, kind=LinkKind.RELATED
    ).exists()
    assert (
        html.lstrip().startswith('<section id="relations"') and other.reference in html
    )
    assert 'id="history" class="card history" hx-swap-oob="true"' in html


def test_link_to_itself_shows_the_error(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        ticket_urls(desk.ticket.reference)["ticket-link"],
        {"link-target": desk.ticket.reference, "link-kind": LinkKind.RELATED},
        headers=HTMX,
    )

    assert "A ticket cannot be linked to itself." in response.content.decode()
    assert not TicketLink.objects.exists()


def test_list_shows_sla_time_left_and_overdue(desk: Desk) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from beacon.sla.models import SlaTarget
    from beacon.sla.services import sla_start

    sla_start(ticket=desk.ticket)  # the after-commit job does this outside tests
    SlaTarget.objects.filter(ticket=desk.ticket).update(
        due_at=timezone.now() - timedelta(minutes=30)
    )
    SlaTarget.objects.filter(ticket=desk.ticket, metric="resolution").update(
        fulfilled_at=timezone.now()
    )

    html = (
        logged_in(desk.agent_x)
        .get(reverse("console:index"), {"view": "all"})
        .content.decode()
    )

    assert SlaTarget.objects.filter(
        ticket=desk.ticket, fulfilled_at__isnull=True
    ).exists()
    assert 'class="sla-left overdue"' in html
    assert "-30m" in html or "-29m" in html


def test_the_staff_choices_are_read_through_the_staff_index(desk: Desk) -> None:
    """The assignee choices query must not walk every customer: its WHERE implies the partial
    index's `NOT role = 'customer'` (accounts.User.Meta), so the database reads the staff only."""
    from django.db import connection

    from beacon.tickets.console_forms import _STAFF_AND_TEAMS, writers

    if connection.vendor != "sqlite":
        pytest.skip(
            "the plan is checked on SQLite; PostgreSQL chooses by its statistics"
        )
    for number in range(30):
        new_user(CustomerFactory, email=f"c{number:02d}@example.com")
    sql, params = writers().order_by("email", "pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # Statistics as a real installation gathers them (PRAGMA optimize): two roles.
        cursor.execute("ANALYZE")
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[3]) for row in cursor.fetchall())

    # Either the staff index, or at least a search by role: never a walk over every user.
    walks = [
        step
        for step in plan.split("SCAN")[1:]
        if step.strip().startswith("accounts_user")
        and "user_staff_email_idx" not in step
    ]
    assert not walks, plan
    assert [
        name for _pk, name, _email, _team in _STAFF_AND_TEAMS.all() if name == "Xavier"
    ] == ["Xavier"]
