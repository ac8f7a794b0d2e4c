"""The agent's chat console, mounted at /console/chats/."""

from __future__ import annotations

from django.urls import path

from beacon.chat import console

app_name = "chat-console"
urlpatterns = [
    path("", console.chat_index, name="index"),
    path("<str:public_id>/", console.chat_panel, name="panel"),
    path("<str:public_id>/accept/", console.chat_accept, name="accept"),
    path("<str:public_id>/transfer/", console.chat_transfer, name="transfer"),
    path("<str:public_id>/convert/", console.chat_convert, name="convert"),
    path("<str:public_id>/close/", console.chat_close, name="close"),
    path("<str:public_id>/suspend/", console.chat_suspend, name="suspend"),
    path("<str:public_id>/macro/", console.chat_macro, name="macro"),
]
