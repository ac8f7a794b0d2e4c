"""Secrets never reach a log line.

`SecretMaskingFilter` is installed on the handlers in settings.LOGGING. A handler's filter only
sees records that reach that handler, and handlers added later (the Huey consumer's own, a test's
log capture, an error tracker's) would not have it, so creating the filter also wraps the log
record factory: every record is masked once, when it is made, whoever handles it afterwards.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from beacon.triage.secrets import mask_secrets

_MASKED = "_secrets_masked"
_install_lock = threading.Lock()
_installed = False


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask secrets in the record's message (arguments merged in) and in its traceback text."""
    if getattr(record, _MASKED, False):
        return record
    setattr(record, _MASKED, True)
    try:
        message = record.getMessage()
    except (
        TypeError,
        ValueError,
    ):  # Bad format arguments: logging reports those itself.
        return record
    masked = mask_secrets(message)
    if masked.found:
        record.msg = masked.text
        record.args = None
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = mask_secrets(text).text
    return record


def install_record_factory() -> None:
    """Wrap the current log record factory so that every record is masked; idempotent."""
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return mask_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True


class SecretMaskingFilter(logging.Filter):
    """Masks secrets in every record a handler emits (and installs the record factory)."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install_record_factory()

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True
