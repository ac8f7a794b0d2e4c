"""A WebSocket test client for ASGI apps in process.

Channels ships one in `channels.testing`, but importing that package needs Daphne (for its live
server class), which Beacon does not install; this is the same few calls on asgiref's
ApplicationCommunicator.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, application: Any, path: str) -> None:
        parsed = urlparse(path)
        self.scope: dict[str, Any] = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode("utf-8"),
            "headers": [],
            "subprotocols": [],
        }
        super().__init__(application, self.scope)  # type: ignore[no-untyped-call]  # asgiref is untyped

    async def connect(self, timeout: float = 5) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})  # type: ignore[no-untyped-call]  # asgiref is untyped
        response = await self.receive_output(timeout)  # type: ignore[no-untyped-call]  # asgiref is untyped
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept"
        return True, response.get("subprotocol")

    async def refused_with(self, timeout: float = 5) -> int | None:
        """The close code of a socket the server accepts only to close at once (else None)."""
        connected, code = await self.connect(timeout)
        if not connected:
            return int(code)
        response = await self.receive_output(timeout)  # type: ignore[no-untyped-call]  # asgiref is untyped
        return (
            int(response.get("code", 1000))
            if response["type"] == "websocket.close"
            else None
        )

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})  # type: ignore[no-untyped-call]  # asgiref is untyped

    async def send_json_to(self, data: Any) -> None:
        await self.send_to(json.dumps(data))

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)  # type: ignore[no-untyped-call]  # asgiref is untyped
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def receive_raw(self, timeout: float = 5) -> dict[str, Any]:
        """The next ASGI event the app sent (a frame or the close)."""
        response: dict[str, Any] = await self.receive_output(timeout)  # type: ignore[no-untyped-call]  # asgiref is untyped
        return response

    async def receive_nothing(
        self, timeout: float = 0.1, interval: float = 0.01
    ) -> bool:
        return bool(await super().receive_nothing(timeout))  # type: ignore[no-untyped-call]  # asgiref is untyped

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})  # type: ignore[no-untyped-call]  # asgiref is untyped
        await self.wait(timeout)  # type: ignore[no-untyped-call]  # asgiref is untyped
