"""WebSocket routes (live chat and console updates register here). Not `routing.py`: that name is the routing app."""

from __future__ import annotations

from typing import Any

from django.urls import path

from beacon.chat.consumers import ChatConsumer, ConsoleConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/chat/<str:public_id>/", ChatConsumer.as_asgi()),
    path("ws/console/chats/", ConsoleConsumer.as_asgi()),
]
