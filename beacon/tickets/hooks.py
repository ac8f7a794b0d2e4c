"""After-commit hooks: other apps (notifications, triage, search, realtime) subscribe here.

Services call `after_commit(event, object_id)`; subscribers run only once the transaction
has committed, so nothing is announced that could still roll back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[[int], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event: str, handler: Subscriber) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def after_commit(event: str, object_id: int) -> None:
    for handler in list(_subscribers.get(event, ())):
        transaction.on_commit(lambda handler=handler: handler(object_id), robust=True)  # type: ignore[misc]
