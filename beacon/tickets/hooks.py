"""Ticket hooks: other apps (notifications, triage, search, realtime) subscribe here.

Two registries:
- `after_commit(event, object_id)`: subscribers run only once the transaction has committed,
  so nothing is announced that could still roll back (realtime, indexing, triage).
- `in_transaction(event, object_id)`: subscribers run synchronously inside the service's
  transaction, so what they write (e.g. a notification outbox row) commits or rolls back
  together with the change. They must only write rows; an exception undoes the change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[[int], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
_in_transaction_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event: str, handler: Subscriber) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def subscribe_in_transaction(event: str, handler: Subscriber) -> None:
    if handler not in _in_transaction_subscribers[event]:
        _in_transaction_subscribers[event].append(handler)


def after_commit(event: str, object_id: int) -> None:
    for handler in list(_subscribers.get(event, ())):
        transaction.on_commit(lambda handler=handler: handler(object_id), robust=True)  # type: ignore[misc]


def in_transaction(event: str, object_id: int) -> None:
    """Run the in-transaction subscribers now; call it inside the service's `atomic()` block."""
    for handler in list(_in_transaction_subscribers.get(event, ())):
        handler(object_id)
