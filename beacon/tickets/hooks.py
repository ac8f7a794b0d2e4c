"""Ticket hooks: other apps (notifications, triage, search, realtime) subscribe here.

Two registries:
- `after_commit(event, object_id)`: subscribers run only once the transaction has committed,
  so nothing is announced that could still roll back (realtime, indexing, triage); they run in
  one worker job per change, outside the request.
- `in_transaction(event, object_id)`: subscribers run synchronously inside the service's
  transaction, so what they write (e.g. a notification outbox row) commits or rolls back
  together with the change. They must only write rows; an exception undoes the change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

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
    """Run `event`'s after-commit subscribers for `object_id` once the transaction commits: in
    ONE job in the worker (beacon/tickets/tasks.py), not in the request and not as one enqueue
    per subscriber. The subscribers mostly hand work on to jobs of their own (SLA, triage,
    auto-assignment), so the request pays for a single enqueue."""
    after_commit_many(event, [object_id])


def in_transaction(event: str, object_id: int) -> None:
    """Run the in-transaction subscribers now; call it inside the service's `atomic()` block."""
    for handler in list(_in_transaction_subscribers.get(event, ())):
        handler(object_id)


# --- batches (bulk intake: one call for many objects) ------------------------------------------

BatchSubscriber = Callable[[list[int]], None]
ObjectsSubscriber = Callable[[list[Any]], None]
_in_transaction_batch: dict[Subscriber, BatchSubscriber] = {}
_in_transaction_objects: dict[Subscriber, ObjectsSubscriber] = {}


def subscribe_in_transaction_batch(
    event: str,
    handler: Subscriber,
    batch_handler: BatchSubscriber,
    objects_handler: ObjectsSubscriber | None = None,
) -> None:
    """`handler` (as subscribe_in_transaction), plus a version taking many ids at once that
    `in_transaction_many` uses instead, and optionally one taking the objects themselves
    (as the service has them in memory, relations loaded) that `in_transaction_objects` uses;
    all must write the same rows."""
    subscribe_in_transaction(event, handler)
    _in_transaction_batch[handler] = batch_handler
    if objects_handler is not None:
        _in_transaction_objects[handler] = objects_handler


def in_transaction_objects(event: str, objects: list[Any]) -> None:
    """`in_transaction_many` for objects the service holds (a ticket it just inserted, with its
    customer, category and team): subscribers that can take objects are spared reading them
    back; the others get the ids."""
    if not objects:
        return
    for handler in list(_in_transaction_subscribers.get(event, ())):
        with_objects = _in_transaction_objects.get(handler)
        if with_objects is not None:
            with_objects(list(objects))
            continue
        batch = _in_transaction_batch.get(handler)
        if batch is not None:
            batch([item.pk for item in objects])
        else:
            for item in objects:
                handler(item.pk)


def in_transaction_many(event: str, object_ids: list[int]) -> None:
    """`in_transaction` for many objects: batch versions where subscribed, else one by one."""
    if not object_ids:
        return
    for handler in list(_in_transaction_subscribers.get(event, ())):
        batch = _in_transaction_batch.get(handler)
        if batch is not None:
            batch(list(object_ids))
        else:
            for object_id in object_ids:
                handler(object_id)


def run_subscribers(event: str, object_ids: list[int]) -> None:
    """The after-commit subscribers of `event` for each id, each failure logged, not raised."""
    for object_id in object_ids:
        for handler in list(_subscribers.get(event, ())):
            try:
                handler(object_id)
            except Exception:
                logger.exception(
                    "%s subscriber %r failed for %s", event, handler, object_id
                )


def after_commit_many(event: str, object_ids: list[int]) -> None:
    """`after_commit` for many objects: ONE job after commit runs every subscriber for every
    id in the worker (beacon/tickets/tasks.py), instead of one enqueue per object and subscriber."""
    if not object_ids or not _subscribers.get(event):
        return
    ids = list(object_ids)

    def enqueue() -> None:
        from beacon.tickets.tasks import hooks_run_task

        hooks_run_task(event, ids)

    transaction.on_commit(enqueue, robust=True)
