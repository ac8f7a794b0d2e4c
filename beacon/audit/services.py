"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from beacon.accounts.models import User
from beacon.audit.models import AuditEvent


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
