"""A Beacon installation of its own, driven through real `beacon` processes (crash tests).

The crash tests SIGKILL real workers and importers, so they cannot run inside the test process:
each gets a data directory with its own SQLite database, runs `beacon` commands against it, starts
processes in sessions of their own (so a kill takes their children too) and reads the database
directly to see what survived.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

Row = tuple[int | str | None, ...]


class BeaconProcesses:
    """`beacon` commands against the installation in `data_dir`, with `env` on top of ours."""

    def __init__(self, data_dir: Path, *, timeout: float = 180, **env: str) -> None:
        self.data_dir = data_dir
        self.database = data_dir / "beacon.sqlite3"
        self.timeout = timeout
        self.env = {**os.environ, "DATA_DIR": str(data_dir), **env}
        # Not the test run's settings: a production-like process on its own SQLite file.
        for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)
        self.command = [sys.executable, "-m", "beacon.cli"]
        self.log_path = data_dir / "processes.log"

    def run(self, *args: str, timeout: float | None = None) -> None:
        """Run `beacon ARGS` to the end; a failure raises with its output."""
        subprocess.run(
            [*self.command, *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=timeout or self.timeout,
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `beacon ARGS` in a session of its own, its output appended to the log."""
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [*self.command, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def worker(self) -> subprocess.Popen[bytes]:
        """A real Huey worker (one thread), as `beacon serve --with-worker` starts it."""
        return self.start("run_huey", "--workers", "1")

    def query(self, sql: str) -> list[Row]:
        with sqlite3.connect(self.database, timeout=20) as db:
            rows: list[Row] = db.execute(sql).fetchall()
        return rows

    def count(self, sql: str) -> int:
        """The single number `sql` (a `SELECT count(*) ...`) returns."""
        return int(self.query(sql)[0][0] or 0)

    def log(self) -> str:
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL `process` and everything it started; no clean-up runs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, *, every: float = 0.05
) -> None:
    """Poll `condition` every `every` seconds until it holds; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
