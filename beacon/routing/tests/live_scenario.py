"""Run by test_live.py in a child process that shares DATA_DIR with a real `beacon run_huey`.

Opens security-emergency tickets through the REST API and prints, as JSON, how long it took
until the worker had delivered the on-call page. Not a test module itself (no test_ prefix).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
django.setup()

from django.test import Client  # noqa: E402 (after django.setup())
from django.utils import timezone  # noqa: E402

from beacon.accounts.models import Membership, Role, Team, User  # noqa: E402
from beacon.accounts.services import api_token_create  # noqa: E402
from beacon.routing.models import OnCall, OnCallPage, PageStatus  # noqa: E402
from beacon.tickets.models import Category  # noqa: E402

WAIT_SECONDS = 30.0


def seed() -> str:
    # The migrations may have seeded the standard teams and categories already.
    team, _created = Team.objects.get_or_create(
        slug="account-security", defaults={"name_en": "Account Security"}
    )
    on_call = User.objects.create_user("oncall@example.com", role=Role.AGENT)
    Membership.objects.create(user=on_call, team=team)
    now = timezone.now()
    OnCall.objects.create(
        team=team,
        user=on_call,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    Category.objects.get_or_create(slug="live-general", defaults={"name_en": "General"})
    customer = User.objects.create_user(
        "victim@example.com", role=Role.CUSTOMER, exchange_uid="90000001"
    )
    _token, secret = api_token_create(user=customer, name="live test")
    return secret


def page_delay(client: Client, secret: str, subject: str) -> float:
    """Seconds from the API call to the delivered page (the worker's doing), or inf."""
    started = time.monotonic()
    response = client.post(
        "/api/v1/tickets",
        {
            "subject": subject,
            "description": "Someone withdrew my BTC without my permission.",
            "category": "live-general",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    if response.status_code != 201:
        sys.stderr.write(response.content.decode())
        return float("inf")
    reference = response.json()["reference"]
    while time.monotonic() - started < WAIT_SECONDS:
        if OnCallPage.objects.filter(
            ticket__reference=reference, status=PageStatus.SENT
        ).exists():
            return time.monotonic() - started
        time.sleep(0.05)
    return float("inf")


def main() -> None:
    secret = seed()
    client = Client()
    # The first page proves the worker is up (its start-up is not what is measured)...
    warm_up = page_delay(client, secret, "Account hacked")
    # ...then a pause, so the worker is idle and polling, as it is in real life between emergencies.
    time.sleep(float(os.environ.get("LIVE_IDLE_SECONDS", "3")))
    measured = page_delay(client, secret, "未授权提现 unauthorized withdrawal")
    sys.stdout.write(json.dumps({"warm_up": warm_up, "measured": measured}) + "\n")


if __name__ == "__main__":
    main()
