"""Notice links are reversed against a small URL map: it must give the project's paths."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse, set_script_prefix

from beacon.notifications.link_urls import ticket_url


def test_links_match_the_project_url_map() -> None:
    assert ticket_url("BX-ABCD2345", staff=False) == settings.BASE_URL + reverse(
        "portal:ticket-detail", args=["BX-ABCD2345"]
    )
    assert ticket_url("BX-ABCD2345", staff=True) == settings.BASE_URL + reverse(
        "console:ticket", args=["BX-ABCD2345"]
    )


def test_links_of_any_reference_and_script_prefix_are_the_reversed_ones() -> None:
    for prefix in ("/", "/desk/"):
        set_script_prefix(prefix)
        try:
            for reference in ("BX-7K3F9QD2", "BX-ABCD2345", "bx-lower", "A B é?"):
                for staff, name in (
                    (True, "console:ticket"),
                    (False, "portal:ticket-detail"),
                ):
                    assert ticket_url(
                        reference, staff=staff
                    ) == settings.BASE_URL + reverse(
                        name, args=[reference], urlconf="beacon.notifications.link_urls"
                    )
                    assert ticket_url(reference, staff=staff).startswith(
                        settings.BASE_URL + prefix
                    )
        finally:
            set_script_prefix("/")
