"""Writes notices to the log: for development and for operators without a gateway."""

from __future__ import annotations

import logging

from beacon.notifications.backends import OutgoingMessage

logger = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, message: OutgoingMessage) -> None:
        logger.info(
            "%s to %s [%s]: %s",
            message.kind,
            message.address,
            message.dedup_key,
            message.body,
        )
