"""What happens when a message carried a secret: it is masked, the customer is warned, Account
Security is alerted, and an audit event records the kinds (never the secret).

The ticket services call `mask_text` / `mask_fields` on everything a person typed before it is
validated and stored, and `secrets_exposed` inside the same transaction once the ticket or
message exists. Email and chat intake go through those services, so they are covered too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.notifications.services import notify_staff
from beacon.routing import emergency
from beacon.tickets import hooks
from beacon.tickets.form_fields import FieldSpec, FieldType
from beacon.tickets.models import Message, MessageKind, Tag, Ticket
from beacon.triage.secrets import SECRET_KINDS, mask_secrets

logger = logging.getLogger(__name__)

SECRET_TAG = "secret-shared"  # noqa: S105 (a tag name)
SECRET_STAFF_TEMPLATE = "staff_secret_exposed"  # noqa: S105 (a template key)

KIND_LABELS = {
    "seed_phrase": _("seed phrase"),
    "private_key_hex": _("private key"),
    "wif": _("private key"),
    "xprv": _("extended private key"),
    "api_secret": _("API secret"),
    "password": _("password"),
    "otp_code": _("2FA code"),
}

# Written out per language like the emergency steps (beacon/routing/emergency.py): a customer who
# just pasted a seed phrase must be told in their language even if a catalogue is missing.
_WARNING: dict[str, dict[str, str]] = {
    "en": {
        "intro": "For your safety we removed the following from your message before saving it "
        "(it now reads [REDACTED:...] there): {kinds}.",
        "never": "Our support team will never ask for your seed phrase, private keys, passwords, API secrets or 2FA codes. "
        "Anyone who asks for them, even if they say they work for us, is trying to steal from you.",
        "wallet": "Anyone who saw your seed phrase or private key can take the funds it controls: "
        "create a new wallet with a new seed phrase and move your funds there now.",
        "password": "Change the passwords you shared, and revoke any API key whose secret you shared.",
        "code": "A 2FA code is only for you: never read it out or send it to anyone.",
    },
    "zh-hans": {
        "intro": "为保护您的安全，我们在保存您的消息前已删除以下内容（消息中显示为 [REDACTED:...]）：{kinds}。",
        "never": "我们的客服绝不会向您索要助记词、私钥、密码、API 密钥或两步验证码。任何索要这些信息的人，即使自称是我们的工作人员，都是在试图盗取您的资产。",
        "wallet": "看到过您助记词或私钥的人可以转走其控制的资产：请立即创建使用新助记词的新钱包，并把资产转移过去。",
        "password": "请修改您发送过的密码，并撤销您发送过密钥的 API Key。",
        "code": "两步验证码只供您本人使用：不要告诉或发送给任何人。",
    },
}
_KIND_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "seed_phrase": "seed phrase",
        "private_key_hex": "private key",
        "wif": "private key",
        "xprv": "extended private key",
        "api_secret": "API secret",
        "password": "password",
        "otp_code": "2FA code",
    },
    "zh-hans": {
        "seed_phrase": "助记词",
        "private_key_hex": "私钥",
        "wif": "私钥",
        "xprv": "扩展私钥",
        "api_secret": "API 密钥",
        "password": "密码",
        "otp_code": "两步验证码",
    },
}


def _language_key(language: str) -> str:
    return "zh-hans" if language.startswith("zh") else "en"


def customer_warning(language: str, kinds: Iterable[str]) -> str:
    """The notice posted to the customer, in `language` (English when there is none for it)."""
    key = _language_key(language)
    text = _WARNING[key]
    words = _KIND_WORDS[key]
    found = [kind for kind in SECRET_KINDS if kind in set(kinds)]
    names = list(dict.fromkeys(words[kind] for kind in found))
    separator = "、" if key == "zh-hans" else ", "
    lines = [text["intro"].format(kinds=separator.join(names)), text["never"]]
    if {"seed_phrase", "private_key_hex", "wif", "xprv"} & set(found):
        lines.append(text["wallet"])
    if {"password", "api_secret"} & set(found):
        lines.append(text["password"])
    if "otp_code" in found:
        lines.append(text["code"])
    return "\n".join(lines)


def mask_text(value: str, kinds: set[str]) -> str:
    """`value` with its secrets masked; the kinds found are added to `kinds`."""
    result = mask_secrets(value or "")
    kinds.update(result.kinds)
    return result.text


def mask_fields(
    values: dict[str, Any], specs: list[FieldSpec], kinds: set[str]
) -> dict[str, Any]:
    """Structured field values with secrets masked in every free-text value.

    Fields checked against a strict format (TxID, address, amount, coin, network, time, choice)
    are left as typed: a secret typed there fails that check and is never stored, while masking
    could break a valid TxID.
    """
    strict = {spec.name for spec in specs if spec.type in _STRICT_FIELDS}
    return {
        name: mask_text(value, kinds)
        if isinstance(value, str) and name not in strict
        else value
        for name, value in values.items()
    }


_STRICT_FIELDS = frozenset(
    {
        FieldType.TXID,
        FieldType.ADDRESS,
        FieldType.AMOUNT,
        FieldType.COIN,
        FieldType.NETWORK,
        FieldType.DATETIME,
        FieldType.CHOICE,
    }
)


def kind_labels(kinds: Iterable[str], language: str) -> str:
    """The kinds as words in `language`, each once, in a fixed order."""
    with translation.override(language):
        present = set(kinds)
        labels = [str(KIND_LABELS[k]) for k in SECRET_KINDS if k in present]
    separator = "、" if language.startswith("zh") else ", "
    return separator.join(dict.fromkeys(labels))


def secrets_exposed(
    *,
    ticket: Ticket,
    author: User | None,
    kinds: Iterable[str],
    message: Message | None = None,
) -> None:
    """Record that `author`'s text on `ticket` carried secrets (already masked).

    Call inside the transaction that stored the masked text. Always audited. When the author is
    the customer, they get a public notice in their language and Account Security's on-call agent
    (or its lead) is alerted; text typed by staff is only audited.
    """
    found = [kind for kind in SECRET_KINDS if kind in set(kinds)]
    if not found:
        return
    from_customer = author is not None and author.is_customer
    audit_record(
        actor=author,
        action="secret.masked",
        target_type="ticket",
        target_id=ticket.reference,
        data={
            "kinds": found,
            "message": message.pk if message is not None else None,
            "channel": ticket.channel,
            "from_customer": from_customer,
        },
    )
    logger.warning(
        "Masked %s in ticket %s (%s)",
        ", ".join(found),
        ticket.reference,
        "customer" if from_customer else "staff",
    )
    if not from_customer:
        return
    warning = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        body=customer_warning(ticket.language, found),
        channel=ticket.channel,
    )
    hooks.after_commit("message_added", warning.pk)
    ticket.tags.add(Tag.objects.get_or_create(name=SECRET_TAG)[0])
    _alert_security(ticket, found, message)


def _alert_security(ticket: Ticket, kinds: list[str], message: Message | None) -> None:
    team = emergency.security_team()
    user = emergency.on_call_for(team, timezone.now()) if team is not None else None
    if user is None:
        logger.error(
            "Secret shared in %s: nobody in Account Security to alert", ticket.reference
        )
        return
    notify_staff(
        user=user,
        template_key=SECRET_STAFF_TEMPLATE,
        context={"kinds": kind_labels(kinds, user.language)},
        dedup_key=f"secret:{ticket.pk}:{message.pk if message is not None else 'new'}",
        ticket=ticket,
    )
    audit_record(
        actor=None,
        action="secret.alert",
        target_type="ticket",
        target_id=ticket.reference,
        data={"kinds": kinds, "user": user.pk, "team": team.pk if team else None},
    )
