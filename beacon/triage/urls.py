"""Triage pages, mounted at /console/triage/."""

from __future__ import annotations

from django.urls import path

from beacon.triage import views

app_name = "triage"
urlpatterns = [
    path("tickets/<str:reference>/", views.ticket_panel, name="ticket-panel"),
    path(
        "tickets/<str:reference>/correct/", views.ticket_correct, name="ticket-correct"
    ),
    path("incidents/", views.incidents, name="incidents"),
    path(
        "incidents/<int:incident_id>/decide/",
        views.incident_decide,
        name="incident-decide",
    ),
]
