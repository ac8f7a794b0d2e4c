"""A first-come-first-served gate in the event loop: how many requests of one kind run at once.

Read requests on a web process are admitted one at a time by default (`WEB_READS_IN_FLIGHT`).
Several reads running together on one process's threads share one interpreter lock, so each
takes as long as all of them together and the order they finish in is left to chance: at 16
connections on the 2-core benchmark machine, API list requests of 3.5 ms of CPU had p50 28 ms and
p99 77 ms with 8 in flight, and p50 31 ms, p99 39 ms one at a time in arrival order.

One at a time must not let one slow read (a large export, a slow query) hold every other
request of the process: a read that has run for `stall_after` seconds stops counting against
the slots, so the next one in line starts beside it, up to `limit` at once.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Pass:
    """One admitted request; give it back with `Gate.leave`."""

    __slots__ = ("stalled", "timer")

    def __init__(self) -> None:
        self.stalled = False
        self.timer: asyncio.TimerHandle | None = None


class Gate:
    """`slots` requests at once in arrival order, not counting those that have run longer than
    `stall_after` seconds; never more than `limit` in all. Use within one event loop."""

    def __init__(self, *, slots: int, limit: int, stall_after: float) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self.slots = slots
        self.limit = max(limit, slots)
        self.stall_after = stall_after
        self._running: set[Pass] = set()
        self._stalled = 0
        self._waiting: deque[asyncio.Future[Pass]] = deque()

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiting if not waiter.done())

    async def enter(self) -> Pass:
        """Wait for this request's turn (first come, first served) and return its pass."""
        loop = asyncio.get_running_loop()
        if not self._waiting and self._has_room():
            return self._admit(loop)
        waiter: asyncio.Future[Pass] = loop.create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Admitted just as it was cancelled: the turn goes to the next in line.
                self.leave(waiter.result())
            else:
                self._waiting.remove(waiter)
            raise

    def leave(self, admitted: Pass) -> None:
        if admitted not in self._running:
            return
        if admitted.timer is not None:
            admitted.timer.cancel()
        self._running.discard(admitted)
        if admitted.stalled:
            self._stalled -= 1
        self._wake()

    def _has_room(self) -> bool:
        running = len(self._running)
        return running - self._stalled < self.slots and running < self.limit

    def _admit(self, loop: asyncio.AbstractEventLoop) -> Pass:
        admitted = Pass()
        admitted.timer = loop.call_later(self.stall_after, self._stall, admitted)
        self._running.add(admitted)
        return admitted

    def _stall(self, admitted: Pass) -> None:
        if admitted in self._running and not admitted.stalled:
            admitted.stalled = True
            self._stalled += 1
            self._wake()

    def _wake(self) -> None:
        while self._waiting and self._has_room():
            waiter = self._waiting.popleft()
            if waiter.done():  # cancelled while it waited
                continue
            waiter.set_result(self._admit(waiter.get_loop()))
