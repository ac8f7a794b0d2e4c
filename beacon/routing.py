"""WebSocket routes (live chat and console updates register here)."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
