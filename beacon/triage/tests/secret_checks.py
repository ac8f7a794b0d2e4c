"""Reusable proof that a secret sent through some channel was stored nowhere.

Email and chat tests call `assert_secret_absent_everywhere(secret, caplog=caplog)` after sending
a message with `secret` through their channel, exactly as the portal and API tests do.

Where it looks:
- the database: every row of every model, serialised (tickets, messages, history, audit,
  notifications outbox, in-app notifications, sessions, and whatever other apps add);
- the search index: the ticket search (FTS5 on SQLite, tsvector on PostgreSQL) for the words;
- the notifications: every outbox row rendered as it would be sent, and mail already sent;
- the logs: every record captured by `caplog`.

A phrase is looked for as any four consecutive words (or Chinese characters), whatever stands
between them, so a phrase masked only in part still fails.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail, serializers

from beacon.core.text import tokens
from beacon.notifications.backends import sender_for
from beacon.notifications.models import Delivery, Kind
from beacon.notifications.rendering import render_notice
from beacon.tickets.models import Ticket
from beacon.tickets.search import filter_text

_WORD_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")
_RUN = 4


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD_RE.findall(text)]


def _leaks(secret: str, haystack: str) -> bool:
    words = _words(secret)
    if len(words) < _RUN:
        return secret in haystack
    joined = " " + " ".join(_words(haystack)) + " "
    return any(
        " " + " ".join(words[i : i + _RUN]) + " " in joined
        for i in range(len(words) - _RUN + 1)
    )


def database_dump() -> str:
    """Every row of every model, as JSON text (readable non-ASCII)."""
    parts = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        parts.append(
            serializers.serialize(
                "json", model._default_manager.all(), ensure_ascii=False
            )
        )
    return "\n".join(parts)


def rendered_notifications() -> str:
    """Every queued or sent notice as its recipient would get it, and every mail sent."""
    parts = []
    for delivery in Delivery.objects.exclude(kind=Kind.WEBHOOK):
        if sender_for(delivery.template_key) is not None:
            # An app sends these rows itself (threaded email): what it sent is in the outbox
            # below, and its context is checked as stored data.
            parts.append(repr(delivery.context))
            continue
        notice = render_notice(
            delivery.template_key, delivery.language, delivery.context
        )
        parts += [notice.subject, notice.body]
    for delivery in Delivery.objects.filter(kind=Kind.WEBHOOK):
        parts.append(repr(delivery.context))
    for message in mail.outbox:
        parts += [str(message.subject), str(message.body)]
        parts += [
            str(content) for content, _type in getattr(message, "alternatives", [])
        ]
    return "\n".join(parts)


def assert_secret_absent_everywhere(
    secret: str, *, caplog: pytest.LogCaptureFixture | None = None
) -> None:
    """Fail, naming the place, if `secret` (or four words of it in a row) is stored anywhere."""
    assert not _leaks(secret, database_dump()), "secret found in the database"
    words = [word for word in tokens(secret) if any(ch.isalnum() for ch in word)]
    assert words
    assert not filter_text(Ticket.objects.all(), words[:8]).exists(), (
        "secret found in the search index"
    )
    assert not _leaks(secret, rendered_notifications()), (
        "secret found in a notification"
    )
    if caplog is not None:
        logged = "\n".join(
            [record.getMessage() for record in caplog.records]
            + [record.exc_text or "" for record in caplog.records]
            + [caplog.text]
        )
        assert not _leaks(secret, logged), "secret found in the logs"
