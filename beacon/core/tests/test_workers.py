"""Live tests on two xdist workers take ports of their own."""

from __future__ import annotations

import pytest

from beacon.core.tests.workers import xdist_worker_number
from beacon.intake.email.tests.servers import _port


@pytest.mark.parametrize(
    ("worker", "number"), [(None, 0), ("gw0", 0), ("gw1", 1), ("gw12", 12), ("x", 0)]
)
def test_the_worker_number_comes_from_xdists_worker_name(
    monkeypatch: pytest.MonkeyPatch, worker: str | None, number: int
) -> None:
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert xdist_worker_number() == number


def test_each_worker_gets_its_own_email_server_port_unless_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BEACON_TEST_IMAP_PORT", raising=False)
    ports = set()
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        ports.add(_port("BEACON_TEST_IMAP_PORT", 8143))
    assert ports == {8143, 8153, 8163}
    monkeypatch.setenv("BEACON_TEST_IMAP_PORT", "9143")
    assert _port("BEACON_TEST_IMAP_PORT", 8143) == 9143
