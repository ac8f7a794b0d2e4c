"""Time left on SLA targets: `{{ target|sla_time_left }}` and `{% sla_ticket_status ticket %}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.sla.models import SlaTarget
from beacon.sla.queries import targets_of_ticket
from beacon.tickets.models import Ticket

register = template.Library()


def format_time_left(seconds: float) -> str:
    """'2d 4h', '3h 05m', '12m'; negative (overdue) with a leading minus sign."""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = _("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    elif hours:
        text = _("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    else:
        text = _("%(minutes)dm") % {"minutes": minutes}
    return sign + text


def seconds_left(target: SlaTarget, now: datetime | None = None) -> float:
    """Real seconds from now until the target is due (negative once overdue)."""
    return (target.due_at - (now or timezone.now())).total_seconds()


@register.filter
def sla_time_left(target: SlaTarget | datetime) -> str:
    """Time left until a target (or a due instant); paused targets say so."""
    if isinstance(target, SlaTarget):
        if target.paused_since is not None:
            return _("paused")
        return format_time_left(seconds_left(target))
    return format_time_left((target - timezone.now()).total_seconds())


@register.inclusion_tag("sla/_ticket_sla.html")
def sla_ticket_status(ticket: Ticket) -> dict[str, Any]:
    """The ticket's running and paused targets with their time left (one query)."""
    now = timezone.now()
    return {
        "sla_rows": [
            {
                "target": target,
                "left": _("paused")
                if target.paused_since is not None
                else format_time_left(seconds_left(target, now)),
                "overdue": target.paused_since is None and target.due_at <= now,
                "warned": target.warned_at is not None,
            }
            for target in targets_of_ticket(ticket)
        ]
    }
