"""Keep-alive connections shared out between the web processes of a machine (core/balance.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from beacon.core.balance import SLOTS, ConnectionBoard, board_path, process_started


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Machine:
    """Which processes run, and since when (in place of /proc)."""

    def __init__(self) -> None:
        self.running: dict[int, int] = {}

    def started(self, pid: int) -> int | None:
        return self.running.get(pid)


@pytest.fixture
def clock() -> Clock:
    return Clock()


MACHINE = Machine()


def _board(
    path: Path, pid: int, clock: Clock, machine: Machine = MACHINE
) -> ConnectionBoard:
    machine.running.setdefault(pid, 7_000 + pid)
    return ConnectionBoard(
        path,
        clock=clock,
        wall_clock=clock,
        pid=pid,
        idle_seconds=5,
        started=machine.started,
    )


def _clients(first: int, count: int) -> list[tuple[str, int]]:
    return [("127.0.0.1", port) for port in range(first, first + count)]


def test_a_burst_on_one_process_is_shared_out_as_it_arrives(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "board"
    busy, idle = _board(path, 101, clock), _board(path, 102, clock)
    # All 16 connections arrive on one process (its loop woke first); while the other holds
    # none, each one over its share is closed after its first response.
    closed = [c for c in _clients(40000, 16) if not busy.keep_open(c)]
    assert (busy.connections, len(closed)) == (1, 15)

    # Each client reconnects; the process holding fewer, the idler one, accepts first.
    reconnections = 0
    while closed:
        closed.pop()
        reconnections += 1
        board = idle if idle.connections <= busy.connections else busy
        client = ("127.0.0.1", 50000 + reconnections)
        if not board.keep_open(client):
            closed.append(client)

    assert (busy.connections, idle.connections) == (8, 8)
    assert reconnections == 15
    # From then on, nothing more is closed.
    for _ in range(3):
        assert all(busy.keep_open(c) for c in list(busy._clients))
        assert all(idle.keep_open(c) for c in list(idle._clients))


def test_a_process_over_its_share_closes_the_connection_it_answers(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "board"
    first, second = _board(path, 101, clock), _board(path, 102, clock)
    for n in range(4):
        assert first.keep_open(("127.0.0.1", 40000 + n))
        assert second.keep_open(("127.0.0.1", 50000 + n))
    # 4 each. A fifth on the first is within its share (5 of 9); a sixth is not (6 of 10).
    assert first.keep_open(("127.0.0.1", 41000)) is True
    assert first.keep_open(("127.0.0.1", 41001)) is False
    assert (first.connections, second.connections) == (5, 4)
    # The closed connection is forgotten: its port is a new connection if it comes back.
    assert ("127.0.0.1", 41001) not in first._clients


def test_an_even_split_closes_nothing(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "board"
    first, second = _board(path, 101, clock), _board(path, 102, clock)
    for n in range(8):
        assert first.keep_open(("127.0.0.1", 40000 + n))
        if n < 7:
            assert second.keep_open(("127.0.0.1", 50000 + n))

    for _ in range(3):
        assert all(first.keep_open(c) for c in _clients(40000, 8))
        assert all(second.keep_open(c) for c in _clients(50000, 7))


def test_a_lone_process_keeps_every_connection(tmp_path: Path, clock: Clock) -> None:
    board = _board(tmp_path / "board", 101, clock)

    assert all(board.keep_open(c) for c in _clients(40000, 50))
    assert board.keep_open(None) is True


def test_a_stopped_process_no_longer_counts_and_its_slot_is_reused(
    tmp_path: Path, clock: Clock
) -> None:
    machine = Machine()
    path = tmp_path / "board"
    stopped, alive = (
        _board(path, 101, clock, machine),
        _board(path, 102, clock, machine),
    )
    for n in range(10):
        stopped.keep_open(("127.0.0.1", 40000 + n))
        alive.keep_open(("127.0.0.1", 50000 + n))
    assert (stopped.connections, alive.connections) == (10, 10)
    assert alive.fair_share() == 10

    del machine.running[101]
    clock.now += 1  # past the cached answer

    assert alive.fair_share() == 10  # its own 10 alone
    assert _board(path, 103, clock, machine)._slot == stopped._slot


def test_a_pid_taken_by_another_program_is_not_that_process(
    tmp_path: Path, clock: Clock
) -> None:
    machine = Machine()
    path = tmp_path / "board"
    gone, alive = _board(path, 101, clock, machine), _board(path, 102, clock, machine)
    for n in range(6):
        gone.keep_open(("127.0.0.1", 40000 + n))
        alive.keep_open(("127.0.0.1", 50000 + n))
    machine.running[101] = 99_999  # the same pid, a later start: another program
    clock.now += 1

    assert alive.fair_share() == 6
    assert _board(path, 103, clock, machine)._slot == gone._slot


def test_an_idle_process_is_one_to_share_with(tmp_path: Path, clock: Clock) -> None:
    machine = Machine()
    path = tmp_path / "board"
    idle, busy = _board(path, 101, clock, machine), _board(path, 102, clock, machine)
    for n in range(8):
        idle.keep_open(("127.0.0.1", 40000 + n))
    clock.now += (
        60  # the idle one has written nothing for a minute: its clients are gone
    )
    closed = [c for c in _clients(50000, 16) if not busy.keep_open(c)]

    # Two running processes: while the idle one holds none, the busy one keeps 1 and sends
    # the others on (with the idle one's stale 8 counted, it would have kept 12).
    assert busy.connections == 1
    assert len(closed) == 15


def test_idle_connections_stop_counting(tmp_path: Path, clock: Clock) -> None:
    board = _board(tmp_path / "board", 101, clock)
    for client in _clients(40000, 6):
        board.keep_open(client)

    clock.now += 6  # longer than the keep-alive timeout: those connections are gone
    board.keep_open(("127.0.0.1", 50000))

    assert board.connections == 1


def test_the_board_has_room_for_a_fixed_number_of_processes(
    tmp_path: Path, clock: Clock
) -> None:
    machine = Machine()
    path = tmp_path / "board"
    boards = [_board(path, 1000 + n, clock, machine) for n in range(SLOTS)]

    with pytest.raises(RuntimeError, match="no free slot"):
        _board(path, 5000, clock, machine)
    boards[0].close()
    assert _board(path, 5001, clock, machine)._slot == boards[0]._slot


def test_the_running_processes_are_read_from_proc() -> None:
    import os

    assert process_started(os.getpid()) not in (None, 0)
    assert process_started(2**22 + 12_345) is None


def test_each_installation_has_its_board_on_the_machine_not_in_its_data(
    tmp_path: Path,
) -> None:
    one, other = tmp_path / "one", tmp_path / "other"

    assert board_path(one) == board_path(tmp_path / "x" / ".." / "one")
    assert board_path(one) != board_path(other)
    assert board_path(one).parent == Path(tempfile.gettempdir())
