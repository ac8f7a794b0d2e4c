"""Customer side of live chat, mounted at /chat/."""

from __future__ import annotations

from django.urls import path

from beacon.chat import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_page, name="page"),
    path("widget/", views.widget_frame, name="widget"),
    path("api/session/", views.session_start, name="session"),
    path("api/<str:public_id>/upload/", views.upload, name="upload"),
    path("api/<str:public_id>/history/", views.history, name="history"),
    path("files/<str:token>/", views.file_download, name="file"),
]
