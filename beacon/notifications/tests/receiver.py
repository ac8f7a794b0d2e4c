"""A local HTTP receiver for webhook and gateway tests (127.0.0.1 only): records each request,
idempotent by Beacon-Delivery id like a well-behaved integration."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)
    status: int = 200
    delay: float = 0.0

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].body)


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            delivery = self.headers.get("Beacon-Delivery", "")
            receiver.requests.append(Received(dict(self.headers.items()), body))
            receiver.seen[delivery] += 1
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
