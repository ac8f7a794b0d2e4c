"""SLA alerts other apps can act on (the notifications app delivers them to the team lead).

`emit` runs the subscribers synchronously, inside the transaction that marks the target warned
or breached: a subscriber writes its own rows (an outbox entry) in that same transaction, so the
alert is recorded exactly when the escalation is, and is lost or repeated with it never. Subscribers
must therefore not do slow or outside work themselves (no SMTP, no HTTP): write a row, deliver later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Literal, TypedDict

AlertKind = Literal["sla_warning", "sla_breached"]


class SlaAlert(TypedDict):
    kind: AlertKind
    target_id: int
    ticket_id: int
    ticket_reference: str
    metric: str
    due_at: str  # ISO 8601, UTC
    team_id: int | None
    lead_ids: list[int]  # team leads to notify


Subscriber = Callable[[SlaAlert], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(kind: AlertKind, handler: Subscriber) -> None:
    """Call `handler` for every alert of `kind` (register once, in an AppConfig.ready())."""
    if handler not in _subscribers[kind]:
        _subscribers[kind].append(handler)


def unsubscribe(kind: AlertKind, handler: Subscriber) -> None:
    if handler in _subscribers[kind]:
        _subscribers[kind].remove(handler)


def emit(alert: SlaAlert) -> None:
    """Run the subscribers of this alert's kind; an exception rolls the escalation back (retried next run)."""
    for handler in list(_subscribers.get(alert["kind"], ())):
        handler(alert)
