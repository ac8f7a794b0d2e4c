"""Routing pages, mounted at /console/routing/."""

from __future__ import annotations

from django.urls import path

from beacon.routing import views

app_name = "routing"
urlpatterns = [
    path("dry-run/", views.dry_run, name="dry-run"),
    path("presence/", views.presence, name="presence"),
]
