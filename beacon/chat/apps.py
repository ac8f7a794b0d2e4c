from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "beacon.chat"
    label = "chat"
    verbose_name = "Live chat"
