"""A customer files a deposit ticket in Chinese, an agent answers in the console, the customer sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from beacon.accounts.models import Language, Membership, Role, Team, User
from beacon.tickets.models import Category, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TRC20_TXID = "7c2d4206c03a883dd9066d920f33f2a2fd1f3d1d2e3e8e0b3d1b5b2a4c9e1f00"


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()


def test_customer_files_in_chinese_agent_answers_customer_sees_answer(
    seeded: None, live_server: LiveServer, browser: Browser
) -> None:
    team = Team.objects.get(slug="deposits-withdrawals")
    agent = User.objects.create_user(
        "agent.e2e@beacon.local", PASSWORD, role=Role.AGENT, display_name="Lin"
    )
    Membership.objects.create(user=agent, team=team)
    User.objects.create_user(
        "wang@example.com",
        PASSWORD,
        role=Role.CUSTOMER,
        language=Language.ZH_HANS,
        exchange_uid="88000001",
    )
    assert Category.objects.filter(slug="deposit-not-credited").exists()

    customer_page = browser.new_context(locale="zh-CN").new_page()
    _sign_in(customer_page, live_server.url, "wang@example.com")
    expect(customer_page).to_have_url(re.compile(r"/tickets/$"))
    customer_page.goto(f"{live_server.url}/tickets/new/?category=deposit-not-credited")
    expect(customer_page.locator("#form-title")).to_contain_text("详细")
    customer_page.fill("#id_subject", "USDT 充值未到账")
    customer_page.fill(
        "#id_description", "我两个小时前从钱包转了 150 USDT，到现在还没有到账。"
    )
    customer_page.fill("[name=f_coin]", "USDT")
    customer_page.select_option("[name=f_network]", "TRC20")
    customer_page.fill("[name=f_txid]", TRC20_TXID)
    customer_page.fill("[name=f_amount]", "150")
    customer_page.fill("[name=f_time]", "2026-11-20T10:30")
    customer_page.locator("form.ticket-form button[type=submit]").click()
    expect(customer_page).to_have_url(re.compile(r"/tickets/BX-[0-9A-Z]{8}/$"))
    reference = customer_page.url.rstrip("/").rsplit("/", 1)[-1]
    ticket = Ticket.objects.get(reference=reference)
    assert (
        ticket.language == "zh-hans"
        and ticket.team == team
        and ticket.fields["network"] == "TRC20"
    )

    agent_page = browser.new_context(locale="en-US").new_page()
    _sign_in(agent_page, live_server.url, agent.email)
    expect(agent_page).to_have_url(re.compile(r"/console/"))
    agent_page.fill("input[name=q]", reference)
    agent_page.keyboard.press("Enter")
    agent_page.get_by_role("link", name=reference).first.click()
    expect(agent_page).to_have_url(re.compile(rf"/console/t/{reference}/$"))
    agent_page.fill(
        "#reply-box textarea[name=body]", "您好，您的 USDT 充值已到账，请查看资金账户。"
    )
    agent_page.locator("#reply-box button[type=submit]").click()
    expect(agent_page.locator("#conversation")).to_contain_text("您的 USDT 充值已到账")

    customer_page.reload()
    expect(customer_page.locator(".messages")).to_contain_text("您的 USDT 充值已到账")
