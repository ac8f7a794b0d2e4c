"""SLA configuration in the admin: admins only, with readable validation."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from beacon.accounts.tests.factories import AgentFactory, UserFactory
from beacon.audit.models import AuditEvent
from beacon.sla.admin import BusinessCalendarForm
from beacon.sla.models import BusinessCalendar

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/sla/slapolicy/",
    "/admin/sla/businesscalendar/",
    "/admin/sla/teamcalendar/",
    "/admin/sla/slatarget/",
]


@pytest.mark.parametrize("url", PAGES)
def test_admins_see_the_sla_screens(client: Client, url: str) -> None:
    client.force_login(UserFactory.create(role="admin"))

    response = client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["agent", "lead", "auditor", "customer"])
def test_other_roles_are_refused(client: Client, url: str, role: str) -> None:
    client.force_login(AgentFactory.create(role=role))

    # Outsiders are first sent to the admin's sign-in, which refuses signed-in users.
    response = client.get(url, follow=True)

    assert response.status_code == 403


def test_the_seeded_policies_are_listed(client: Client) -> None:
    client.force_login(UserFactory.create(role="admin"))

    html = client.get("/admin/sla/slapolicy/").content.decode()

    assert "P1 VIP 3+" in html and "P4" in html


def test_a_calendar_created_in_the_admin_is_audited(client: Client) -> None:
    client.force_login(UserFactory.create(role="admin"))

    response = client.post(
        "/admin/sla/businesscalendar/add/",
        {
            "name": "Shanghai office",
            "time_zone": "Asia/Shanghai",
            "weekly_hours": '{"mon": [["09:00", "18:00"]]}',
            "holidays-TOTAL_FORMS": "1",
            "holidays-INITIAL_FORMS": "0",
            "holidays-0-date": "2026-10-01",
            "holidays-0-name": "National Day",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = BusinessCalendar.objects.get(name="Shanghai office")
    assert calendar.schedule().holidays == frozenset({date(2026, 10, 1)})
    assert AuditEvent.objects.filter(action="admin.businesscalendar.create").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"time_zone": "Mars/Olympus", "always_open": True, "weekly_hours": "{}"},
            "time_zone",
        ),
        (
            {"time_zone": "UTC", "weekly_hours": '{"mon": [["18:00", "09:00"]]}'},
            "weekly_hours",
        ),
        ({"time_zone": "UTC", "weekly_hours": "{}"}, "weekly_hours"),
    ],
)
def test_bad_calendars_are_explained_by_field(
    data: dict[str, object], field: str
) -> None:
    form = BusinessCalendarForm(data={"name": "x", **data})

    assert not form.is_valid()
    assert field in form.errors
