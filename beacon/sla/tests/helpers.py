"""Shared values for SLA tests."""

from __future__ import annotations

from datetime import UTC, datetime

from beacon.sla.models import SlaTarget
from beacon.tickets.models import Ticket

# A Wednesday, so business-hours tests do not start on a weekend.
T0 = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)


def target(ticket: Ticket, metric: str) -> SlaTarget:
    """The ticket's latest target for `metric`, fresh from the database."""
    found = (
        SlaTarget.objects.filter(ticket=ticket, metric=metric).order_by("-id").first()
    )
    assert found is not None, f"no {metric} target"
    return found
