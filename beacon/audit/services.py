"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from beacon.accounts.models import User
from beacon.audit.models import AuditEvent
from beacon.core.bulk import insert_rows


def audit_record(
    *,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event; call inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=data or {},
        ip_address=ip_address,
    )


def audit_record_many(records: list[dict[str, Any]]) -> None:
    """`audit_record` for many events at once (one statement): each dict holds its arguments."""
    insert_rows(
        [
            AuditEvent(
                actor=actor
                if (actor := record.get("actor")) is not None and actor.pk
                else None,
                action=record["action"],
                target_type=record.get("target_type", ""),
                target_id=str(record.get("target_id", "")),
                data=record.get("data") or {},
                ip_address=record.get("ip_address"),
            )
            for record in records
        ]
    )
