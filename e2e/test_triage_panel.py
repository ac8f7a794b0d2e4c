"""An email ticket without a category is triaged after commit; the agent sees the panel and
corrects the priority in the browser (HTMX), which becomes a labelled example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from beacon.accounts.models import Language, Membership, Role, Team, User
from beacon.tickets.models import Category, Channel, Priority, Ticket
from beacon.tickets.services import ticket_create
from beacon.triage.models import TrainingExample
from beacon.triage.training import ensure_defaults

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_agent_sees_triage_and_corrects_it(
    seeded: None,
    live_server: LiveServer,
    browser: Browser,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.TRIAGE_ENABLED = True
    settings.TRIAGE_MODELS_DIR = tmp_path / "models"
    ensure_defaults()
    team = Team.objects.get(slug="deposits-withdrawals")
    agent = User.objects.create_user(
        "agent.triage@beacon.local", PASSWORD, role=Role.AGENT, display_name="Lin"
    )
    Membership.objects.create(user=agent, team=team)
    customer = User.objects.create_user(
        "zhang@example.com", PASSWORD, role=Role.CUSTOMER, language=Language.EN
    )
    # Email intake names no category: the generic one, until triage reads the message.
    ticket = ticket_create(
        customer=customer,
        category=Category.objects.get(slug="other"),
        subject="USDT 提币 pending",
        description="TRC20 提币三个小时了还没到账",
        channel=Channel.EMAIL,
        require_fields=False,
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.category.slug == "withdrawal-delayed"
    assert ticket.team == team
    assert ticket.language == "zh-hans"

    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_email", agent.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/"))
    page.goto(f"{live_server.url}/console/t/{ticket.reference}/")

    panel = page.locator("#triage-panel")
    expect(panel).to_contain_text("Opening request")
    expect(panel).to_contain_text("%")
    panel.locator("summary").first.click()
    panel.locator("select[name=value][id^=triage-priority]").select_option("1")
    panel.get_by_role("button", name="Set priority").click()
    expect(page.locator("#triage-panel")).to_contain_text("Priority: 1")

    ticket.refresh_from_db()
    assert ticket.priority == Priority.P1
    example = TrainingExample.objects.get()
    assert (example.task, example.label, example.created_by) == (
        "priority",
        "P1",
        agent,
    )
