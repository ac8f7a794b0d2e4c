"""Console pages for support staff, mounted at /console/."""

from __future__ import annotations

from django.urls import include, path

from beacon.tickets.console import lists, pages

app_name = "console"
urlpatterns = [
    path("", lists.ticket_list, name="index"),
    path("bulk/", lists.ticket_bulk, name="bulk"),
    path("t/<str:reference>/", pages.ticket_page, name="ticket"),
    path("t/<str:reference>/reply/", pages.reply, name="ticket-reply"),
    path("t/<str:reference>/properties/", pages.properties, name="ticket-properties"),
    path("t/<str:reference>/macro/", pages.macro_preview, name="ticket-macro"),
    path(
        "t/<str:reference>/macro/apply/", pages.macro_apply, name="ticket-macro-apply"
    ),
    path("t/<str:reference>/merge/", pages.merge, name="ticket-merge"),
    path("t/<str:reference>/link/", pages.link, name="ticket-link"),
    path(
        "t/<str:reference>/participants/",
        pages.participant_add,
        name="ticket-participant-add",
    ),
    path(
        "t/<str:reference>/participants/<int:participant_id>/remove/",
        pages.participant_remove,
        name="ticket-participant-remove",
    ),
    path("audit/", include("beacon.audit.urls")),
]
