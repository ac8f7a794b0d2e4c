"""A customer searches the help center in Chinese, opens the article, votes; then the new-request
form suggests articles while the subject is typed, and leaving after opening one is a deflection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from beacon.accounts.models import Language, Role, User
from beacon.knowledge.models import Deflection, Vote

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_customer_searches_in_chinese_votes_and_sees_suggestions_while_filing(
    seeded: None, live_server: LiveServer, browser: Browser
) -> None:
    from beacon.knowledge.demo import load_help_center
    from beacon.knowledge.search import reset_cache

    load_help_center()
    reset_cache()
    User.objects.create_user(
        "wang@example.com",
        PASSWORD,
        role=Role.CUSTOMER,
        language=Language.ZH_HANS,
        exchange_uid="88000002",
    )
    page = browser.new_context(locale="zh-CN").new_page()

    page.goto(f"{live_server.url}/help/")
    expect(page).to_have_url(re.compile(r"/help/zh-hans/$"))
    page.fill("#kb-q", "谷歌验证器丢了怎么办")
    suggestion = page.locator("#kb-suggestions a", has_text="手机丢失或谷歌验证丢失")
    expect(suggestion).to_be_visible()
    page.press("#kb-q", "Enter")
    expect(page).to_have_url(re.compile(r"/help/zh-hans/search/\?q="))
    page.locator(".kb-results a", has_text="手机丢失或谷歌验证丢失").click()
    expect(page.locator("h1")).to_have_text("手机丢失或谷歌验证丢失：找回账户")
    page.locator("#vote button[value=no]").click()
    expect(page.locator("#vote")).to_contain_text("感谢您的反馈")
    page.fill("#vote-comment", "没有备份密钥怎么办？")
    # The thanks from the first vote are already on the page: wait for the comment's own answer.
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.ok
    ):
        page.locator("#vote button[type=submit]").click()
    expect(page.locator("#vote")).to_contain_text("感谢您的反馈")
    vote = Vote.objects.get(
        comment="没有备份密钥怎么办？"
    )  # the demo has votes of its own
    assert vote.helpful is False

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_email", "wang@example.com")
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/tickets/$"))
    page.goto(f"{live_server.url}/tickets/new/?category=deposit-not-credited")
    page.fill("#id_subject", "USDT 充币一直没到账")
    panel = page.locator("#kb-portal-suggestions")
    expect(panel).to_contain_text("这些文章也许能解答您的问题")
    link = panel.locator("a", has_text="充值未到账怎么办")
    expect(link).to_be_visible()
    with page.context.expect_page() as opened:
        link.click()
    article = opened.value
    expect(article.locator("h1")).to_have_text("充值未到账怎么办")
    article.close()
    page.goto(f"{live_server.url}/help/zh-hans/")  # leaves the form without sending it

    deflection = Deflection.objects.get(user__email="wang@example.com")
    assert deflection.article.external_key == "deposit-not-credited"
