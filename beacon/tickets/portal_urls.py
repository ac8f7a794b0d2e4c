"""Customer portal pages, and the attachment download shared with the console."""

from django.urls import path

from beacon.tickets import attachment_views, portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("tickets/", portal_views.ticket_list, name="ticket-list"),
    path("tickets/new/", portal_views.ticket_new, name="ticket-new"),
    path("tickets/<str:reference>/", portal_views.ticket_detail, name="ticket-detail"),
    path(
        "tickets/<str:reference>/reply/", portal_views.ticket_reply, name="ticket-reply"
    ),
    path(
        "tickets/<str:reference>/close/", portal_views.ticket_close, name="ticket-close"
    ),
    path("tickets/<str:reference>/rate/", portal_views.ticket_rate, name="ticket-rate"),
    path(
        "attachments/<str:token>/",
        attachment_views.attachment_download,
        name="attachment",
    ),
]
