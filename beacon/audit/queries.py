"""Reading the audit log: only auditors and admins, newest first, in keyset pages."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, User
from beacon.audit.models import AuditEvent
from beacon.core.errors import Invalid, NotFound

READER_ROLES = (Role.AUDITOR, Role.ADMIN)


def can_read_audit_log(user: User) -> bool:
    return user.is_active and user.role in READER_ROLES


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # part of the actor's email
    target: str = ""  # "type:id", "type:" or a bare id


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEvent]
    next_cursor: str | None


def audit_events_for_user(*, user: User, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The audit log as `user` may read it. Everyone else gets NotFound: the page does not exist for them."""
    if not can_read_audit_log(user):
        raise NotFound
    events = AuditEvent.objects.select_related("actor")
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor__email__icontains=filters.actor.strip())
    if filters.target:
        events = events.filter(_target_condition(filters.target.strip()))
    return events.order_by("-created_at", "-id")


def _target_condition(target: str) -> Q:
    if ":" in target:
        target_type, target_id = (part.strip() for part in target.split(":", 1))
        condition = Q(target_type=target_type)
        return condition & Q(target_id__iexact=target_id) if target_id else condition
    # Ticket references are stored upper-case; other ids are numbers.
    return Q(target_id__iexact=target)


def audit_actions(*, user: User) -> list[str]:
    """The actions that occur in the log, for the filter's choices."""
    if not can_read_audit_log(user):
        raise NotFound
    return list(
        AuditEvent.objects.order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def _bad_cursor() -> Invalid:
    return Invalid(
        _("The cursor is not valid. Start again from the first page."),
        code="bad_cursor",
    )


def _encode(event: AuditEvent) -> str:
    raw = f"{event.created_at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        created, pk = (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            .decode()
            .split("|")
        )
        return datetime.fromisoformat(created), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _bad_cursor() from exc


def audit_paginate(
    events: QuerySet[AuditEvent], *, cursor: str | None, limit: int
) -> AuditPage:
    """Keyset pages over (created_at, id) descending: stable while new events are written."""
    if cursor:
        created, pk = _decode(cursor)
        events = events.filter(
            Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk)
        )
    rows = list(events[: limit + 1])
    next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
    return AuditPage(items=rows[:limit], next_cursor=next_cursor)
