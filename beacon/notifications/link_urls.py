"""The pages that notices and auto-replies link to, mounted where beacon/urls.py mounts them.

`ticket_url` reverses against this small map instead of the project's: reversing against the
full map imports every view module (scikit-learn and numpy among them, about two seconds), which
a process that only sends notices, such as `beacon email_import`, would otherwise pay for a link.
A test checks that both maps give the same paths.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, include, path, reverse

urlpatterns = [
    path("console/", include("beacon.tickets.console_urls")),
    path("", include("beacon.tickets.portal_urls")),
]

# A reference as tickets have them: nothing that a path would quote.
_PLAIN_REFERENCE = re.compile(r"[A-Z0-9-]+\Z")
_STAND_IN = "BX-00000000"


def ticket_url(reference: str, *, staff: bool) -> str:
    """Absolute link to a ticket: the console page for staff, the portal page for customers."""
    name = "console:ticket" if staff else "portal:ticket-detail"
    if _PLAIN_REFERENCE.match(reference):
        # Every new ticket's notice has one: the path around the reference is reversed once
        # (per script prefix), not for each ticket of a batch of creates.
        before, after = _around_reference(name, get_script_prefix())
        return f"{settings.BASE_URL}{before}{reference}{after}"
    return settings.BASE_URL + reverse(name, args=[reference], urlconf=__name__)


@functools.cache
def _around_reference(name: str, script_prefix: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_STAND_IN], urlconf=__name__).partition(
        _STAND_IN
    )
    return before, after
