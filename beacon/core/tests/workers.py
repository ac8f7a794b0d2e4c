"""Which pytest-xdist worker runs this process: live tests that listen on ports of a fixed range
take their own part of it, so that two workers can run them side by side."""

from __future__ import annotations

import os


def xdist_worker_number() -> int:
    """0 for gw0 or outside xdist, 1 for gw1, and so on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(worker) if worker.isdigit() else 0
