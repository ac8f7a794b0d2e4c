from __future__ import annotations

import pytest

from beacon.triage.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的提现三天了还没到账, 请帮忙查一下", "zh-hans"),
        ("我的提現三天了還沒到賬, 請幫忙查一下", "zh-hant"),
        ("My withdrawal has been pending for three days", "en"),
        ("出金がまだ届いていません。確認してください", "ja"),
        ("출금이 3일째 처리되지 않고 있어요", "ko"),
        ("Мой вывод средств завис уже три дня", "ru"),
        ("Я потерял Google Authenticator", "ru"),
        ("Tôi không rút được tiền về ví", "vi"),
        ("Para çekme işlemim üç gündür bekliyor", "tr"),
        ("Mi retiro lleva tres días pendiente", "es"),
        ("USDT 提币 pending", "zh-hans"),
        ("KYC 审核失败 help", "zh-hans"),
        ("ok", "en"),
        ("thx", "en"),
        ("你好", "zh-hans"),
        ("謝謝", "zh-hant"),
    ],
)
def test_detects_the_language_of_support_messages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_a_chinese_name_inside_an_english_sentence_stays_english() -> None:
    assert detect_language("My account name is 王伟 and I cannot log in") == "en"


def test_only_allowed_languages_are_returned() -> None:
    assert (
        detect_language(
            "Bonjour, je ne peux pas retirer mes fonds", allowed=("en", "fr")
        )
        == "fr"
    )
    assert detect_language(
        "Bonjour, je ne peux pas retirer mes fonds", allowed=("en", "de")
    ) in {
        "en",
        "de",
    }


def test_plain_chinese_code_is_used_when_variants_are_not_configured() -> None:
    assert detect_language("提币一直没到账", allowed=("en", "zh")) == "zh"


def test_text_without_letters_gets_the_default() -> None:
    assert detect_language("12345 !!!") is None
    assert detect_language("12345 !!!", default="en") == "en"


def test_script_no_allowed_language_uses_gets_the_default() -> None:
    assert detect_language("Привет", allowed=("en", "zh-hans"), default="en") == "en"
