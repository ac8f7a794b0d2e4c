"""The first-come-first-served gate of read requests (beacon/core/gate.py)."""

from __future__ import annotations

import asyncio

import pytest

from beacon.core.gate import Gate, Pass


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_one_slot_admits_one_and_the_rest_in_arrival_order() -> None:
    async def scenario() -> list[int]:
        gate = Gate(slots=1, limit=8, stall_after=10)
        order: list[int] = []
        first = await gate.enter()

        async def request(number: int) -> None:
            admitted = await gate.enter()
            order.append(number)
            await asyncio.sleep(0)
            gate.leave(admitted)

        tasks = [asyncio.create_task(request(n)) for n in range(5)]
        await _settle()
        assert (gate.running, gate.waiting, order) == (1, 5, [])
        gate.leave(first)
        await asyncio.gather(*tasks)
        assert gate.running == 0
        return order

    assert _run(scenario()) == [0, 1, 2, 3, 4]


def test_two_slots_admit_two_at_once() -> None:
    async def scenario() -> tuple[int, int]:
        gate = Gate(slots=2, limit=8, stall_after=10)
        await gate.enter()
        await gate.enter()
        third = asyncio.create_task(gate.enter())
        await _settle()
        return gate.running, int(third.done())

    assert _run(scenario()) == (2, 0)


def test_a_stalled_request_frees_its_slot_up_to_the_limit() -> None:
    async def scenario() -> list[int]:
        gate = Gate(slots=1, limit=2, stall_after=0.02)
        slow = await gate.enter()
        second = asyncio.create_task(gate.enter())
        third = asyncio.create_task(gate.enter())
        await _settle()
        seen = [gate.running]
        await asyncio.sleep(
            0.05
        )  # the slow one has stalled: the second starts beside it
        seen.append(gate.running)
        await asyncio.sleep(0.05)  # the second stalls too, but the limit is 2
        seen.append(gate.running)
        gate.leave(slow)
        await _settle()
        seen += [gate.running, int(third.done())]
        gate.leave(await second)
        gate.leave(await third)
        seen.append(gate.running)
        return seen

    assert _run(scenario()) == [1, 2, 2, 2, 1, 0]


def test_a_request_that_ends_before_it_stalls_frees_its_slot_once() -> None:
    async def scenario() -> int:
        gate = Gate(slots=1, limit=4, stall_after=0.01)
        admitted = await gate.enter()
        gate.leave(admitted)
        gate.leave(admitted)  # a second leave changes nothing
        await asyncio.sleep(0.03)
        await gate.enter()
        blocked = asyncio.create_task(gate.enter())
        await _settle()
        return int(blocked.done())

    assert _run(scenario()) == 0


def test_a_cancelled_waiter_gives_up_its_place() -> None:
    async def scenario() -> tuple[int, int]:
        gate = Gate(slots=1, limit=4, stall_after=10)
        first = await gate.enter()
        leaving = asyncio.create_task(gate.enter())
        staying = asyncio.create_task(gate.enter())
        await _settle()
        leaving.cancel()
        await _settle()
        gate.leave(first)
        admitted: Pass = await asyncio.wait_for(staying, 1)
        return gate.running, int(admitted in gate._running)

    assert _run(scenario()) == (1, 1)


def test_a_waiter_cancelled_as_it_was_admitted_passes_the_turn_on() -> None:
    async def scenario() -> int:
        gate = Gate(slots=1, limit=4, stall_after=10)
        first = await gate.enter()
        unlucky = asyncio.create_task(gate.enter())
        next_one = asyncio.create_task(gate.enter())
        await _settle()
        gate.leave(first)  # admits `unlucky`, whose task has not run yet ...
        unlucky.cancel()  # ... and is cancelled before it does
        await _settle()
        admitted = await asyncio.wait_for(next_one, 1)
        return int(admitted in gate._running) + gate.running

    assert _run(scenario()) == 2


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Gate(slots=0, limit=4, stall_after=1)
