"""Notice links are reversed against a small URL map: it must give the project's paths."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from beacon.notifications.link_urls import ticket_url


def test_links_match_the_project_url_map() -> None:
    assert ticket_url("BX-ABCD2345", staff=False) == settings.BASE_URL + reverse(
        "portal:ticket-detail", args=["BX-ABCD2345"]
    )
    assert ticket_url("BX-ABCD2345", staff=True) == settings.BASE_URL + reverse(
        "console:ticket", args=["BX-ABCD2345"]
    )
