"""`beacon createadmin`: a new administrator, or a promoted user, with a checked password."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beacon.accounts.models import Role, User
from beacon.accounts.tests.factories import AgentFactory
from beacon.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_creates_an_admin_with_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_ADMIN_PASSWORD", "a long admin passphrase")
    out = StringIO()

    call_command(
        "createadmin", "--email", "Ops@Example.com", "--name", "Ops", stdout=out
    )

    user = User.objects.get(email="ops@example.com")
    assert user.role == Role.ADMIN and user.is_active and user.display_name == "Ops"
    assert user.check_password("a long admin passphrase")
    assert AuditEvent.objects.filter(
        action="user.create_admin", target_id=str(user.pk)
    ).exists()
    assert "Created administrator ops@example.com" in out.getvalue()


def test_promotes_an_existing_user_instead_of_duplicating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = AgentFactory.create(email="lead@example.com")
    monkeypatch.setenv("BEACON_ADMIN_PASSWORD", "a long admin passphrase")

    call_command("createadmin", "--email", "lead@example.com", stdout=StringIO())

    agent.refresh_from_db()
    assert agent.role == Role.ADMIN
    assert User.objects.filter(email="lead@example.com").count() == 1
    assert AuditEvent.objects.filter(
        action="user.promote_admin", data__previous_role=Role.AGENT
    ).exists()


def test_weak_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_ADMIN_PASSWORD", "12345678")

    with pytest.raises(CommandError, match="BEACON_ADMIN_PASSWORD is not acceptable"):
        call_command("createadmin", "--email", "ops@example.com", stdout=StringIO())

    assert not User.objects.filter(email="ops@example.com").exists()


def test_without_a_terminal_or_variable_it_explains_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    with pytest.raises(CommandError, match="set BEACON_ADMIN_PASSWORD"):
        call_command("createadmin", "--email", "ops@example.com", stdout=StringIO())


def test_prompts_until_the_two_entries_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(
        [
            "first long passphrase",
            "different passphrase",
            "second long passphrase",
            "second long passphrase",
        ]
    )
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    call_command(
        "createadmin",
        "--email",
        "ops@example.com",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert User.objects.get(email="ops@example.com").check_password(
        "second long passphrase"
    )


def test_invalid_email_is_refused() -> None:
    with pytest.raises(CommandError, match="not a valid email"):
        call_command("createadmin", "--email", "not-an-email", stdout=StringIO())
