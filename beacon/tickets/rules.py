"""Checks that several ticket services share (tickets.services and tickets.participants, which
services imports)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from beacon.core.errors import Conflict
from beacon.tickets.models import Status, Ticket


def require_open(ticket: Ticket) -> None:
    """Closed tickets are read-only."""
    if ticket.status == Status.CLOSED:
        raise Conflict(
            _("This ticket is closed and can no longer be changed."),
            code="ticket_closed",
        )
