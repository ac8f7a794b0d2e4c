"""Live chat in two browsers: a customer asks in Chinese and the assistant answers from a help
article; the customer asks for a person; an agent takes the chat in the console; both see each
other's messages live."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from beacon.accounts.models import Language, Membership, Role, Team, User
from beacon.chat.flows import clear_cache as clear_flows
from beacon.chat.models import Conversation, ConversationStatus, Flow
from beacon.chat.seed import seed_flows
from beacon.chat.tests.live import asgi_server, free_port
from beacon.knowledge.search import reset_cache
from beacon.knowledge.tests.factories import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
SECRET = "e2e-chat-secret-that-is-long-enough-0123456789"


@pytest.fixture
def server(seeded: None) -> Iterator[str]:
    seed_flows(Flow, Team)
    clear_flows()
    reset_cache()
    with (
        override_settings(CHAT_TOKEN_SECRET=SECRET, CHAT_QUEUE_WHEN_OFFLINE=True),
        asgi_server() as base,
    ):
        yield base
    reset_cache()


def exchange_token(uid: str) -> str:
    now = int(time.time())
    return jwt.encode(
        {
            "sub": uid,
            "email": "wang@example.com",
            "email_verified": True,
            "name": "王小明",
            "lang": "zh-CN",
            "iat": now,
            "exp": now + 600,
            "aud": "beacon-chat",
        },
        SECRET,
        algorithm="HS256",
    )


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()


def test_bot_answers_in_chinese_then_an_agent_takes_over(
    server: str, browser: Browser
) -> None:
    team = Team.objects.get(slug="account-security")  # where 2FA questions go
    agent = User.objects.create_user(
        "agent.chat@beacon.local", PASSWORD, role=Role.AGENT, display_name="Lin"
    )
    Membership.objects.create(user=agent, team=team)
    editor = User.objects.create_user("editor@beacon.local", PASSWORD, role=Role.ADMIN)
    make_article(
        editor=editor,
        texts={
            "en": (
                "How to reset Google Authenticator",
                "If you lost the phone with your authenticator app, open Security and choose "
                "Reset 2FA; we check your identity with a selfie before the reset.",
            ),
            "zh-hans": (
                "如何重置谷歌验证器",
                "如果手机丢失导致无法使用谷歌验证器，请进入安全中心选择重置两步验证，我们会通过人脸识别核验身份后再重置。",
            ),
        },
    )
    User.objects.create_user(
        "wang@example.com",
        None,
        role=Role.CUSTOMER,
        language=Language.ZH_HANS,
        exchange_uid="88000001",
        email_verified=True,
    )

    customer = browser.new_context(locale="zh-CN").new_page()
    customer.goto(f"{server}/chat/#token={exchange_token('88000001')}")
    expect(customer.locator(".chat-status")).to_have_attribute("data-state", "online")
    expect(customer.locator(".chat-log")).to_contain_text("智能助手")
    customer.fill("#chat-input", "我的手机丢了，怎么重置谷歌验证器？")
    customer.keyboard.press("Enter")
    expect(customer.locator(".chat-log")).to_contain_text("人脸识别", timeout=30_000)
    expect(customer.locator(".chat-link").last).to_have_attribute(
        "href", re.compile(r"^/help/zh-hans/")
    )

    customer.fill("#chat-input", "转人工")
    customer.keyboard.press("Enter")
    expect(customer.locator(".chat-banner")).to_contain_text("第 1 位", timeout=15_000)
    conversation = Conversation.objects.get(customer__exchange_uid="88000001")
    assert (
        conversation.status == ConversationStatus.QUEUED and conversation.team == team
    )

    console = browser.new_context(locale="en-US").new_page()
    _sign_in(console, server, agent.email)
    console.goto(f"{server}/console/chats/")
    queued = console.locator(f'[data-queued="{conversation.public_id}"]')
    queued.get_by_role("link").click()
    panel = console.locator(f"#chat-panel-{conversation.public_id}")
    expect(panel).to_contain_text("转人工")
    panel.locator("[data-accept]").click()
    expect(customer.locator(".chat-log")).to_contain_text("Lin", timeout=15_000)
    expect(customer.locator(".chat-banner")).to_contain_text("Lin")

    reply = console.locator(
        f"#chat-panel-{conversation.public_id} .chat-reply textarea"
    )
    reply.fill("您好，我是 Lin，请问还需要什么帮助？")
    reply.press("Enter")
    expect(customer.locator(".chat-log")).to_contain_text("我是 Lin", timeout=15_000)

    customer.fill("#chat-input", "谢谢，我已经重置成功了")
    customer.keyboard.press("Enter")
    expect(
        console.locator(f"#chat-panel-{conversation.public_id} .chat-log")
    ).to_contain_text("我已经重置成功了", timeout=15_000)


@contextmanager
def exchange_site(html: str) -> Iterator[str]:
    """The exchange's own page, served by a plain HTTP server on another origin (localhost:P
    is not the same origin as Beacon's 127.0.0.1:Q)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # stdlib's name
            return

    site = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def test_one_script_tag_embeds_the_chat_on_the_exchanges_site(
    server: str, browser: Browser
) -> None:
    User.objects.create_user(
        "alice@example.com",
        None,
        role=Role.CUSTOMER,
        exchange_uid="77000001",
        email_verified=True,
    )
    html = (
        "<!doctype html><title>Exchange</title><h1>Exchange</h1>"
        f'<script src="{server}/static/js/chat-widget.js" data-token="{exchange_token("77000001")}" '
        'data-language="en" async></script>'
    )
    page = browser.new_context(locale="en-US").new_page()

    with exchange_site(html) as host, override_settings(CHAT_WIDGET_ORIGINS=[host]):
        page.goto(f"{host}/")
        page.locator("[data-beacon-chat]").get_by_role("button").click()
        frame = page.frame_locator("[data-beacon-chat] iframe")
        expect(frame.locator(".chat-status")).to_have_attribute(
            "data-state", "online", timeout=15_000
        )
        expect(frame.locator(".chat-guest")).to_be_hidden()
        frame.locator("#chat-input").fill("hello")
        frame.locator("#chat-input").press("Enter")
        expect(frame.locator(".chat-log")).to_contain_text(
            "What can I help you with", timeout=15_000
        )

    conversation = Conversation.objects.get(customer__exchange_uid="77000001")
    assert conversation.messages.filter(sender="customer", body="hello").exists()
