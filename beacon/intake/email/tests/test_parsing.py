"""What comes out of each sample of the corpus, and the quote and signature trimming."""

from __future__ import annotations

import pytest

from beacon.intake.email.parsing import decode_bytes, parse_message
from beacon.intake.email.quotes import visible_reply
from beacon.intake.email.tests.conftest import sample


@pytest.mark.parametrize(
    ("name", "sender", "subject", "visible", "gone"),
    [
        (
            "gmail_reply_en.eml",
            "alice.chen@gmail.com",
            "Re: My USDT deposit has not arrived [BX-AAAA2222]",
            "Can you please escalate?",
            "looking into your deposit",
        ),
        (
            "gmail_reply_zh.eml",
            "xiaoming.wang@gmail.com",
            "回复：提现未到账",
            "我的提现已经等了三个小时了",
            "我们正在处理",
        ),
        (
            "outlook_reply_en.eml",
            "john.miller@outlook.com",
            "RE: Withdrawal failed [BX-AAAA2222]",
            "The order number is 88231.",
            "could you send us a screenshot",
        ),
        (
            "apple_mail_en.eml",
            "emma.j@icloud.com",
            "Re: Deposit on TRC20 [BX-AAAA2222]",
            "Still no coins in my wallet.",
            "Sent from my iPhone",
        ),
        (
            "qq_mail_zh.eml",
            "10086123@qq.com",
            "回复：充值未到账 [BX-AAAA2222]",
            "我的USDT充值还没到账",
            "请提供交易哈希",
        ),
        (
            "netease_163_zh.eml",
            "hanmeimei@163.com",
            "Re:登录失败 [BX-AAAA2222]",
            "二次验证一直提示错误",
            "发自网易邮箱大师",
        ),
        (
            "big5_traditional.eml",
            "taiman.chan@example.hk",
            "帳戶被凍結",
            "我的帳戶被凍結了，無法提幣。",
            "\ufffd",
        ),
    ],
)
def test_client_replies_decode_and_lose_their_quoted_history(
    name: str, sender: str, subject: str, visible: str, gone: str
) -> None:
    parsed = parse_message(sample(name))

    assert parsed.from_address == sender
    assert parsed.subject == subject
    assert visible in parsed.visible_text
    assert gone not in parsed.visible_text
    # The full text keeps the history (and the stored source keeps everything).
    assert gone in parsed.text or gone == "\ufffd"


def test_reply_threading_ids_are_read() -> None:
    parsed = parse_message(sample("gmail_reply_en.eml"))

    assert parsed.message_id == "CAGmail-en-reply-0001@mail.gmail.com"
    assert parsed.in_reply_to == ["out-1@beacon.test"]
    assert parsed.thread_ids == ["out-1@beacon.test", "first-question@mail.gmail.com"]
    assert parsed.subject_reference == "BX-AAAA2222"


def test_multipart_alternative_prefers_the_text_part() -> None:
    parsed = parse_message(sample("gmail_reply_en.eml"))

    assert "<div" not in parsed.text
    assert parsed.html.startswith("<div")


def test_html_only_mail_is_read_as_text_and_its_html_sanitised() -> None:
    parsed = parse_message(sample("html_only.eml"))

    assert parsed.visible_text.startswith("Account locked")
    assert "My account was locked after I changed my phone." in parsed.visible_text
    assert "alert" not in parsed.visible_text and "color:red" not in parsed.visible_text
    for dangerous in ("<script", "onclick", "<img", "<iframe", "javascript:", "<style"):
        assert dangerous not in parsed.html
    assert 'href="https://status.example.com/"' in parsed.html
    assert 'rel="noopener noreferrer"' in parsed.html


def test_forwarded_mail_keeps_the_forwarded_message() -> None:
    parsed = parse_message(sample("forwarded_gmail.eml"))

    assert "Is it really from you?" in parsed.visible_text
    assert "Reply with your recovery words" in parsed.visible_text


def test_attachments_and_inline_images_are_found() -> None:
    outlook = parse_message(sample("outlook_reply_en.eml"))
    apple = parse_message(sample("apple_mail_en.eml"))

    assert [(f.name, f.content_type, f.inline) for f in outlook.files] == [
        ("screenshot.png", "image/png", False)
    ]
    assert [(f.name, f.inline) for f in apple.files] == [("IMG_0042.png", True)]
    assert apple.files[0].data.startswith(b"\x89PNG")


def test_calendar_invite_keeps_the_text_and_one_ics_file() -> None:
    parsed = parse_message(sample("calendar_invite.eml"))

    assert "You have been invited to the following event." in parsed.visible_text
    assert "BEGIN:VCALENDAR" not in parsed.visible_text
    assert len(parsed.files) == 1
    assert parsed.files[0].data.startswith(b"BEGIN:VCALENDAR")


def test_bounce_is_a_delivery_report_naming_the_failed_address() -> None:
    parsed = parse_message(sample("bounce_dsn.eml"))

    assert parsed.is_report
    assert [(r.address, r.status, r.permanent) for r in parsed.bounce_recipients] == [
        ("gone@example.net", "5.1.1", True)
    ]


def test_out_of_office_is_marked_automatic() -> None:
    parsed = parse_message(sample("out_of_office.eml"))

    assert parsed.header("auto-submitted") == "auto-replied"


def test_malformed_mime_is_read_as_well_as_possible() -> None:
    parsed = parse_message(sample("malformed_mime.eml"))

    # Raw UTF-8 in the subject, GBK bytes under a us-ascii label, an unknown charset, no end boundary.
    assert parsed.subject == "提币失败 help"
    assert "我的提币失败了，订单号 7731。" in parsed.text
    assert parsed.from_address == "dave@example.com"


def test_garbage_never_raises() -> None:
    for raw in (
        b"",
        b"\x00\xff\xfe",
        b"Subject: only a header",
        b"Content-Type: multipart/mixed\r\n\r\n--",
    ):
        parse_message(raw)


@pytest.mark.parametrize(
    ("declared", "data", "expected"),
    [
        ("gb2312", "充值".encode("gbk"), "充值"),
        ("GBK", "鏈上".encode("gbk"), "鏈上"),
        ("gb18030", "€充值".encode("gb18030"), "€充值"),
        ("big5", "帳戶".encode("big5"), "帳戶"),
        ("x-made-up", "提币".encode(), "提币"),
        ("utf-8", "提币".encode("gbk"), "提币"),
    ],
)
def test_charsets_including_wrong_labels(
    declared: str, data: bytes, expected: str
) -> None:
    assert decode_bytes(data, declared) == expected


@pytest.mark.parametrize(
    "history",
    [
        "On Tue, Jun 4, 2024 at 9:00 AM Beacon Support <support@beacon.test>\nwrote:\n> old",
        "-----Original Message-----\nFrom: Beacon\nSent: Tuesday\n\nold",
        "-----原始邮件-----\n发件人: Beacon\n发送时间: 2024年6月4日\n\nold",
        "发件人: Beacon Support <support@beacon.test>\n发送时间: 2024年6月4日 9:00\n收件人: me\n\nold",
        "From: Beacon Support <support@beacon.test>\nSent: Tuesday, June 4, 2024 9:00 AM\nTo: me\n\nold",
        "2024年6月4日 上午9:00，Beacon Support <support@beacon.test> 写道：\n\nold",
        "> old\n> older",
    ],
)
def test_quoted_history_markers_in_english_and_chinese(history: str) -> None:
    assert visible_reply(f"New text here.\n\n{history}") == "New text here."


def test_signature_is_trimmed_but_a_reply_never_becomes_empty() -> None:
    assert visible_reply("Thanks!\n-- \nAlice\nCEO") == "Thanks!"
    assert visible_reply("> only quoted") == "> only quoted"
