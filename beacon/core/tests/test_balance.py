"""Keep-alive connections shared out between the web processes of a machine (core/balance.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from beacon.core.balance import SLOTS, STALE_SECONDS, ConnectionBoard, board_path


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _board(path: Path, pid: int, clock: Clock) -> ConnectionBoard:
    return ConnectionBoard(path, clock=clock, wall_clock=clock, pid=pid, idle_seconds=5)


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
    path = tmp_path / "board"
    stopped, alive = _board(path, 101, clock), _board(path, 102, clock)
    for n in range(10):
        stopped.keep_open(("127.0.0.1", 40000 + n))
        alive.keep_open(("127.0.0.1", 50000 + n))
    assert (stopped.connections, alive.connections) == (10, 10)
    assert alive.fair_share() == 10

    clock.now += STALE_SECONDS + 1  # the first process wrote nothing since
    for client in _clients(50000, 10):
        assert alive.keep_open(client) is True
    assert alive.fair_share() == 10  # its own 10 alone
    newcomer = _board(path, 103, clock)

    assert newcomer._slot == stopped._slot


def test_idle_connections_stop_counting(tmp_path: Path, clock: Clock) -> None:
    board = _board(tmp_path / "board", 101, clock)
    for client in _clients(40000, 6):
        board.keep_open(client)

    clock.now += 6  # longer than the keep-alive timeout: those connections are gone
    board.keep_open(("127.0.0.1", 50000))

    assert board.connections == 1


def test_the_board_has_room_for_a_fixed_number_of_processes(tmp_path: Path) -> None:
    path = tmp_path / "board"
    boards = [ConnectionBoard(path, pid=1000 + n) for n in range(SLOTS)]

    with pytest.raises(RuntimeError, match="no free slot"):
        ConnectionBoard(path, pid=5000)
    boards[0].close()
    assert ConnectionBoard(path, pid=5000)._slot == boards[0]._slot


def test_each_installation_has_its_board_on_the_machine_not_in_its_data(
    tmp_path: Path,
) -> None:
    one, other = tmp_path / "one", tmp_path / "other"

    assert board_path(one) == board_path(tmp_path / "x" / ".." / "one")
    assert board_path(one) != board_path(other)
    assert board_path(one).parent == Path(tempfile.gettempdir())
