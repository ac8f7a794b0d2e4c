"""The console ticket page lists what triage found, with explorer links; only staff see it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.tickets.services import reply_add
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

TRON = "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"
TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
XRP = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"


def test_agents_see_entities_with_explorer_links() -> None:
    team = TeamFactory.create(slug="deposits")
    customer = CustomerFactory.create()
    ticket = make_ticket(
        customer=customer,
        category=CategoryFactory.create(default_team=team),
        description=f"USDT TRC20 to {TRON}, TxID {TXID}, 150 USDT",
    )
    reply_add(
        ticket=ticket, author=customer, body=f"Also XRP to {XRP} destination tag 4242"
    )
    client = Client()
    client.force_login(AgentFactory.create(teams=[team]))

    page = client.get(
        reverse("console:ticket", args=[ticket.reference])
    ).content.decode()

    assert "data-triage-entities" in page
    assert f'href="https://tronscan.org/#/address/{TRON}"' in page
    assert f'href="https://tronscan.org/#/transaction/{TXID}"' in page
    assert f'href="https://livenet.xrpl.org/accounts/{XRP}"' in page
    assert "4242" in page and "150 USDT" in page


def test_a_ticket_without_entities_shows_no_panel() -> None:
    team = TeamFactory.create(slug="general")
    ticket = make_ticket(
        category=CategoryFactory.create(default_team=team),
        subject="Hello",
        description="How do I change my nickname?",
    )
    client = Client()
    client.force_login(AgentFactory.create(teams=[team]))

    page = client.get(
        reverse("console:ticket", args=[ticket.reference])
    ).content.decode()

    assert "data-triage-entities" not in page


def test_customers_never_get_the_console_panel() -> None:
    customer = CustomerFactory.create()
    ticket = make_ticket(customer=customer, description=f"to {TRON}")
    client = Client()
    client.force_login(customer)

    console = client.get(reverse("console:ticket", args=[ticket.reference]))
    portal = client.get(reverse("portal:ticket-detail", args=[ticket.reference]))

    assert console.status_code == 404
    assert "data-triage-entities" not in portal.content.decode()


def test_the_panel_costs_one_query_however_long_the_conversation() -> None:
    team = TeamFactory.create(slug="deposits")
    customer = CustomerFactory.create()
    ticket = make_ticket(
        customer=customer,
        category=CategoryFactory.create(default_team=team),
        description=f"to {TRON}",
    )
    client = Client()
    client.force_login(AgentFactory.create(teams=[team]))
    url = reverse("console:ticket", args=[ticket.reference])
    # One message first: the page prefetches attachments once there are messages at all.
    reply_add(ticket=ticket, author=customer, body="hello")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    queries()  # warm the session and caches
    short = queries()
    for n in range(10):
        reply_add(ticket=ticket, author=customer, body=f"tx {n}: {TXID} to {XRP}")

    assert queries() == short
