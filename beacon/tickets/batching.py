"""Group commit for ticket creation: concurrent creates in one process share one transaction.

Through the ORM a create costs a dozen statements, each compiled anew (the compiling, not
SQLite, is most of the CPU), and on SQLite every create also waits its turn for the one write
lock. When several API requests arrive at once, this writer takes everything waiting and
creates it with `tickets_create_many` (a statement per table for the whole batch, one commit,
one job for the after-commit hooks), then answers each request with its own ticket. A single
request is a batch of one, so nothing waits for company: the batch is simply whatever queued
while the previous one was being written.

Every request still gets exactly what `ticket_create` would have given it. If a batch fails
as a whole (an invalid item, an Idempotency-Key that another request used meanwhile, a
reference collision), each of its items is created again on its own through `ticket_create`,
so one bad item costs only itself, and replays and conflicts are answered as usual.

The writer is one thread per process with its own database connection; its queue holds only
requests in flight (each waiting for its answer), so nothing is lost or sticky if a process
stops: a request that got no answer got no ticket, and its client retries (with its
Idempotency-Key).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future

from django.conf import settings
from django.db import close_old_connections

from beacon.core.writer import writer_transaction
from beacon.tickets.models import Ticket
from beacon.tickets.services import NewTicket, tickets_create_many

logger = logging.getLogger(__name__)

# At most this many creates in one transaction (SQLite's write lock is held while it runs).
MAX_BATCH = 64
# How long a batch that already has company waits for more (see CreateBatcher._wait_for_company).
COMPANY_WAIT_SECONDS = 0.001


class CreateBatcher:
    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[NewTicket, Future[Ticket]]] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Batch sizes written so far (for the benchmark and the tests).
        self.batches: list[int] = []

    def create(self, item: NewTicket) -> Ticket:
        """Create `item` in the next batch and return its ticket (or raise its error)."""
        future: Future[Ticket] = Future()
        self._ensure_running()
        self._queue.put((item, future))
        return future.result()

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="ticket-create-batcher", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            self._drain(batch)
            if 1 < len(batch) < self.max_batch:
                self._wait_for_company()
                self._drain(batch)
            try:
                close_old_connections()
                self._write(batch)
            except BaseException as exc:
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(exc)

    def _wait_for_company(self) -> None:
        """More than one create was waiting: the process is busy, and a moment's wait lets the
        requests already being parsed join this batch. Each batch has fixed costs (the
        writers' turn, BEGIN and COMMIT, a statement per table), so on the benchmark machine
        this 1 ms took API creates at 16 connections from 610-700 to 775-820 a second at a
        lower p99. A lone create never waits."""
        time.sleep(COMPANY_WAIT_SECONDS)

    def _drain(self, batch: list[tuple[NewTicket, Future[Ticket]]]) -> None:
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break

    def _write(self, batch: list[tuple[NewTicket, Future[Ticket]]]) -> None:
        self.batches.append(len(batch))
        del self.batches[:-1000]
        try:
            tickets = tickets_create_many(
                items=[item for item, _future in batch],
                in_transaction=writer_transaction,
            )
        except Exception:
            # Each item again on its own: ticket_create gives it its own answer (its ticket,
            # a replay, a conflict, a validation error) instead of the batch's.
            logger.info("create batch of %d failed; one by one", len(batch))
            for item, future in batch:
                try:
                    future.set_result(item.create_alone())
                except Exception as exc:
                    future.set_exception(exc)
            return
        for (_item, future), ticket in zip(batch, tickets, strict=True):
            future.set_result(ticket)


_batcher = CreateBatcher()


def ticket_create_batched(item: NewTicket) -> Ticket:
    """`item` created in this process's next batch, or directly where batching is off
    (TICKET_CREATE_BATCHING; off in tests, whose database transaction is the test thread's)."""
    if not settings.TICKET_CREATE_BATCHING:
        return item.create_alone()
    return _batcher.create(item)
