"""SLA pages in the console, mounted at /console/sla/."""

from __future__ import annotations

from django.urls import path

from beacon.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.breaching_soon, name="breaching-soon"),
]
