"""Group commit of API creates (tickets/batching.py): each request gets exactly its own ticket."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.core.errors import Invalid
from beacon.tickets.batching import CreateBatcher
from beacon.tickets.models import IdempotencyKey, Ticket, TicketEvent
from beacon.tickets.services import NewTicket
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _items(n: int, **extra: object) -> list[NewTicket]:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    category = CategoryFactory.create(slug="fees-b", default_team=team)
    customer = CustomerFactory.create()
    return [
        NewTicket(
            customer=customer,
            subject=f"Fee question {i}",
            description="Why was I charged twice?",
            category=category,
            channel="api",
            created_by=agent,
            **extra,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def _submit_together(
    batcher: CreateBatcher, items: list[NewTicket]
) -> list[Future[Ticket]]:
    """Queue every item before the writer starts, so they form one batch."""
    futures: list[Future[Ticket]] = []
    for item in items:
        future: Future[Ticket] = Future()
        batcher._queue.put((item, future))
        futures.append(future)
    batcher._ensure_running()
    return futures


def test_requests_waiting_together_are_written_in_one_batch_each_with_its_ticket() -> (
    None
):
    items = _items(5)
    batcher = CreateBatcher()

    tickets = [f.result(timeout=30) for f in _submit_together(batcher, items)]

    assert batcher.batches == [5]
    assert [t.subject for t in tickets] == [f"Fee question {i}" for i in range(5)]
    assert Ticket.objects.count() == 5
    # The staff member who created them is the actor of history and audit, as in ticket_create.
    agent = items[0].created_by
    assert TicketEvent.objects.filter(kind="created", actor=agent).count() == 5
    assert AuditEvent.objects.filter(action="ticket.create", actor=agent).count() == 5


def test_a_batch_with_company_waits_a_moment_for_more_and_a_lone_create_does_not() -> (
    None
):
    first, late = _items(2), _items(3)
    batcher = CreateBatcher()
    waits: list[int] = []
    late_futures: list[Future[Ticket]] = []

    def wait_for_company() -> None:
        # Three more requests arrive while the writer waits.
        waits.append(len(late))
        for item in late:
            future: Future[Ticket] = Future()
            batcher._queue.put((item, future))
            late_futures.append(future)

    batcher._wait_for_company = wait_for_company  # type: ignore[method-assign]
    for future in [*_submit_together(batcher, first)]:
        future.result(timeout=30)
    for future in late_futures:
        future.result(timeout=30)
    alone = _items(1)[0]
    batcher.create(alone)

    assert waits == [3]
    assert batcher.batches == [5, 1]
    assert Ticket.objects.count() == 6


def test_one_invalid_item_fails_alone_and_the_others_are_created() -> None:
    items = _items(3)
    bad = NewTicket(
        customer=items[0].customer,
        subject="",
        description="",
        category=items[0].category,
        created_by=items[0].created_by,
    )
    batcher = CreateBatcher()

    futures = _submit_together(batcher, [items[0], bad, items[1]])

    assert futures[0].result(timeout=30).subject == "Fee question 0"
    with pytest.raises(Invalid):
        futures[1].result(timeout=30)
    assert futures[2].result(timeout=30).subject == "Fee question 1"
    assert Ticket.objects.count() == 2


def test_the_same_idempotency_key_twice_in_one_batch_makes_one_ticket() -> None:
    item = _items(1, idempotency_key="retry-1")[0]
    batcher = CreateBatcher()

    futures = _submit_together(batcher, [item, item])
    first, second = (f.result(timeout=30) for f in futures)

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.filter(key="retry-1").count() == 1


def test_concurrent_requests_from_many_threads_all_get_their_ticket() -> None:
    items = _items(24)
    batcher = CreateBatcher()
    results: dict[int, Ticket] = {}

    def send(index: int) -> None:
        results[index] = batcher.create(items[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == list(range(24))
    assert len({t.pk for t in results.values()}) == 24
    assert sum(batcher.batches) == 24
    assert Ticket.objects.count() == 24
