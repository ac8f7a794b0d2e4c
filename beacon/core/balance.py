"""Keep-alive connections shared out evenly between the web processes of one machine.

uvicorn's workers share one listening socket, and the worker whose event loop wakes first
accepts every connection waiting. A client that opens its connections in a burst (a load
balancer's pool, an integration's HTTP client, the benchmark's 16) therefore often lands them
12/4, 13/3 or 16/0 on two workers: with reads served in arrival order, the fuller worker's
requests wait two to three times as long while the other core idles. uvloop has no setting to
accept one connection at a time, and asyncio's loop, which could, costs 5-14% of throughput
(decision 0001).

So each web process counts the connections it is serving (a client address seen within the
keep-alive timeout) and publishes the count on a small shared board, a memory-mapped file in
the machine's temporary directory (`board_path`) with a slot per process: its pid, the
process's start time (so a pid reused by another program is not taken for it), its count and
when it last wrote. A process that has written nothing for the keep-alive timeout holds no
connections (they would have been closed) but, while it runs, still counts as one to share
with: an idle worker is where connections should go. A process holding more than its share of
the machine's connections (the total over the running processes, rounded up) answers the next
request of one of them with `Connection: close`; the client reconnects, and the new connection
goes to whichever worker accepts it first, usually the idler one. Repeated, the counts even out
within a fraction of a second, and a client never sees an error: a keep-alive connection may be
closed after any response.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import mmap
import os
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# pid, process start time (clock ticks since boot, Linux), connections, last write (time.time()).
_SLOT = struct.Struct("<iqid")
SLOTS = 64
# How often a process drops clients it has not heard from and rewrites its slot, and how long
# the answer to "is that process still running" is reused.
REFRESH_SECONDS = 0.5

Client = tuple[str, int]


def board_path(data_dir: Path) -> Path:
    """Where the web processes of this installation on this machine keep their board: in the
    machine's temporary directory, not DATA_DIR, which several machines may share (attachments
    on a network volume) while the board must count one machine's processes."""
    installation = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"beacon-web-connections-{installation}.board"


def process_started(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot); 0 where /proc cannot tell (not
    Linux) but the process runs; None when no such process runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        if Path("/proc/self/stat").exists():
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0
        return 0
    # Field 22; the command name before it (in parentheses) may contain spaces.
    return int(stat.rsplit(")", 1)[1].split()[19])


class ConnectionBoard:
    """This process's slot on the machine's board, and its view of the others'."""

    def __init__(
        self,
        path: Path,
        *,
        idle_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        pid: int | None = None,
        started: Callable[[int], int | None] = process_started,
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._started = started
        self._clients: dict[Client, float] = {}
        self._pid = os.getpid() if pid is None else pid
        self._start = started(self._pid) or 0
        self._next_refresh = 0.0
        # (pid, start) -> (running, when checked)
        self._running: dict[tuple[int, int], tuple[bool, float]] = {}
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            size = _SLOT.size * SLOTS
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                self._slot = self._claim()
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def connections(self) -> int:
        return len(self._clients)

    def _is_running(self, pid: int, start: int) -> bool:
        now = self._clock()
        known = self._running.get((pid, start))
        if known is not None and now - known[1] < REFRESH_SECONDS:
            return known[0]
        found = self._started(pid)
        running = found is not None and (found == start or 0 in (found, start))
        self._running[(pid, start)] = (running, now)
        return running

    def _claim(self) -> int:
        free = None
        for slot in range(SLOTS):
            pid, start, _count, _written = _SLOT.unpack_from(
                self._map, slot * _SLOT.size
            )
            if pid == self._pid:
                free = slot
                break
            if free is None and (pid == 0 or not self._is_running(pid, start)):
                free = slot
        if free is None:
            raise RuntimeError("no free slot on the web processes' connection board")
        _SLOT.pack_into(
            self._map, free * _SLOT.size, self._pid, self._start, 0, self._wall_clock()
        )
        return free

    def _publish(self) -> None:
        _SLOT.pack_into(
            self._map,
            self._slot * _SLOT.size,
            self._pid,
            self._start,
            len(self._clients),
            self._wall_clock(),
        )

    def _refresh(self, now: float) -> None:
        cutoff = now - self.idle_seconds
        for client in [c for c, seen in self._clients.items() if seen < cutoff]:
            del self._clients[client]
        self._publish()
        self._next_refresh = now + REFRESH_SECONDS

    def fair_share(self) -> int:
        """The connections each running process would hold if they were shared evenly."""
        now = self._wall_clock()
        total = 0
        processes = 0
        for slot in range(SLOTS):
            pid, start, count, written = _SLOT.unpack_from(self._map, slot * _SLOT.size)
            if pid and (pid == self._pid or self._is_running(pid, start)):
                processes += 1
                # Silent for the keep-alive timeout: its connections have been closed.
                if now - written <= self.idle_seconds:
                    total += count
        return math.ceil(total / processes) if processes else 0

    def keep_open(self, client: Client | None) -> bool:
        """Note a request from `client`; False when its connection should close after this
        response, to be opened again, perhaps on another process."""
        if client is None:
            return True
        now = self._clock()
        new = client not in self._clients
        self._clients[client] = now
        if new or now >= self._next_refresh:
            self._refresh(now)
        if len(self._clients) > self.fair_share():
            del self._clients[client]
            self._publish()
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            _SLOT.pack_into(self._map, self._slot * _SLOT.size, 0, 0, 0, 0.0)
            self._map.close()
