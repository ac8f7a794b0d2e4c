"""Shared set-up: SMS and push go to files in a scratch DATA_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from beacon.notifications.tests.receiver import Receiver, start_receiver


@pytest.fixture(autouse=True)
def _channels(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.SMS_BACKEND = "file"
    settings.PUSH_BACKEND = "file"
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.WEBHOOK_DISABLE_AFTER = 3


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()
