"""Audit log pages, mounted inside the console (console:audit:events)."""

from __future__ import annotations

from django.urls import path

from beacon.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="events"),
]
