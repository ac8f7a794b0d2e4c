"""WebSocket routes (live chat and console updates register here). Not `routing.py`: that name is the routing app."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
