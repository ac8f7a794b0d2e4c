"""Secrets never reach a log line, whichever handler writes it."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.conf import settings

from beacon.triage.logs import SecretMaskingFilter, mask_record
from beacon.triage.secrets import placeholder

SEED = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("beacon.test", logging.INFO, __file__, 1, msg, args, None)


def test_the_filter_masks_message_and_arguments() -> None:
    record = _record("customer wrote %s (%d words)", SEED, 12)

    assert SecretMaskingFilter().filter(record) is True

    assert (
        record.getMessage() == f"customer wrote {placeholder('seed_phrase')} (12 words)"
    )


def test_tracebacks_are_masked_too() -> None:
    try:
        raise ValueError(f"bad input {SEED}")
    except ValueError as error:
        record = logging.LogRecord(
            "beacon.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            None,
            (type(error), error, error.__traceback__),
        )

    mask_record(record)

    assert record.exc_text is not None and SEED not in record.exc_text
    assert placeholder("seed_phrase") in record.exc_text


def test_settings_install_the_filter_on_every_handler() -> None:
    config: dict[str, Any] = settings.LOGGING
    handlers: dict[str, dict[str, Any]] = config["handlers"]

    assert handlers
    assert all("mask_secrets" in handler["filters"] for handler in handlers.values())
    assert (
        config["filters"]["mask_secrets"]["()"]
        == "beacon.triage.logs.SecretMaskingFilter"
    )


def test_records_are_masked_even_on_a_handler_added_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("beacon.test.late")
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            logger.warning("password: %s and seed %s", "S3cr3t!pw", SEED)
    finally:
        logger.removeHandler(handler)

    for text in (stream.getvalue(), caplog.text):
        assert "S3cr3t!pw" not in text and SEED not in text
        assert placeholder("password") in text


def test_ordinary_records_keep_their_arguments() -> None:
    record = _record("ticket %s", "BX-1")

    mask_record(record)

    assert record.args == ("BX-1",)
