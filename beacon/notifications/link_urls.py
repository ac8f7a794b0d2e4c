"""The pages that notices and auto-replies link to, mounted where beacon/urls.py mounts them.

`ticket_url` reverses against this small map instead of the project's: reversing against the
full map imports every view module (scikit-learn and numpy among them, about two seconds), which
a process that only sends notices, such as `beacon email_import`, would otherwise pay for a link.
A test checks that both maps give the same paths.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path, reverse

urlpatterns = [
    path("console/", include("beacon.tickets.console_urls")),
    path("", include("beacon.tickets.portal_urls")),
]


def ticket_url(reference: str, *, staff: bool) -> str:
    """Absolute link to a ticket: the console page for staff, the portal page for customers."""
    name = "console:ticket" if staff else "portal:ticket-detail"
    return settings.BASE_URL + reverse(name, args=[reference], urlconf=__name__)
