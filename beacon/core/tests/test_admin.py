"""The admin site: who gets in, what they may do there, and that its forms refuse bad config."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from beacon.accounts.api_auth import TokenAuth
from beacon.accounts.models import ApiToken, Membership, Role, Team, User
from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, UserFactory
from beacon.audit.models import AuditEvent
from beacon.audit.services import audit_record
from beacon.tickets.models import Category, Macro

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:accounts_user_changelist",
    "admin:accounts_team_changelist",
    "admin:accounts_apitoken_changelist",
    "admin:tickets_category_changelist",
    "admin:tickets_macro_changelist",
    "admin:audit_auditevent_changelist",
]


@pytest.fixture
def admin_user() -> User:
    return UserFactory.create(role=Role.ADMIN, email="root@beacon.test")


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def auditor_client(client: Client) -> Client:
    client.force_login(UserFactory.create(role=Role.AUDITOR))
    return client


def _category_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_en": "Staking",
        "name_zh": "质押",
        "slug": "staking",
        "description_en": "",
        "description_zh": "",
        "default_team": "",
        "default_priority": "3",
        "is_active": "on",
        "position": "100",
        "form_fields": json.dumps([{"name": "coin", "type": "coin", "required": True}]),
    }
    data.update(overrides)
    return data


# --- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHANGELISTS)
def test_admin_can_open_every_changelist(
    admin_client: Client, name: str, django_assert_max_num_queries: Any
) -> None:
    team = Team.objects.get(slug="p2p")
    for index in range(6):  # several rows of everything, so a per-row query would show
        agent = AgentFactory.create(teams=[team])
        api_token_create(user=agent, name=f"token {index}")
        Macro.objects.create(name=f"Macro {index}", team=team, body_en="Hello")
        audit_record(
            actor=agent,
            action="ticket.update",
            target_type="ticket",
            target_id=f"BX-{index}",
        )

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(name))

    assert response.status_code == 200


def test_admin_index_lists_every_configurable_model(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    for name in CHANGELISTS:
        assert reverse(name) in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_normal_sign_in_page(client: Client) -> None:
    url = reverse("admin:tickets_category_changelist")

    response = client.get(url, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert response.status_code == 200
    assert response.context["next"] == url


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AGENT, Role.LEAD])
def test_customers_agents_and_leads_are_refused(client: Client, role: Role) -> None:
    client.force_login(UserFactory.create(role=role))

    changelist = client.get(reverse("admin:tickets_category_changelist"), follow=True)
    index = client.get(reverse("admin:index"), follow=True)

    assert changelist.status_code == 403
    assert index.status_code == 403


def test_inactive_admin_is_refused(client: Client) -> None:
    user = UserFactory.create(role=Role.ADMIN)
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_auditor_sees_only_the_audit_log(auditor_client: Client) -> None:
    audit_record(
        actor=None,
        action="ticket.create",
        target_type="ticket",
        target_id="BX-AUDIT001",
    )

    index = auditor_client.get(reverse("admin:index"))
    audit_list = auditor_client.get(reverse("admin:audit_auditevent_changelist"))

    assert index.status_code == 200
    assert reverse("admin:audit_auditevent_changelist") in index.content.decode()
    assert reverse("admin:tickets_category_changelist") not in index.content.decode()
    assert audit_list.status_code == 200
    assert "BX-AUDIT001" in audit_list.content.decode()


@pytest.mark.parametrize(
    "name", [n for n in CHANGELISTS if n != "admin:audit_auditevent_changelist"]
)
def test_auditor_cannot_open_configuration(auditor_client: Client, name: str) -> None:
    response = auditor_client.get(reverse(name))

    assert response.status_code == 403


# --- audit log is read-only ----------------------------------------------------------------


def test_audit_events_cannot_be_added_changed_or_deleted_even_by_admins(
    admin_client: Client,
) -> None:
    event = audit_record(
        actor=None, action="ticket.create", target_type="ticket", target_id="BX-1"
    )

    add = admin_client.get(reverse("admin:audit_auditevent_add"))
    change = admin_client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]),
        {"action": "tampered"},
    )
    delete = admin_client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.action == "ticket.create"


# --- categories ----------------------------------------------------------------------------


def test_admin_creates_a_category_and_the_change_is_audited(
    admin_client: Client, admin_user: User
) -> None:
    response = admin_client.post(
        reverse("admin:tickets_category_add"), _category_post()
    )

    assert response.status_code == 302
    category = Category.objects.get(slug="staking")
    assert category.form_fields == [{"name": "coin", "type": "coin", "required": True}]
    assert AuditEvent.objects.filter(
        action="admin.category.create", actor=admin_user, target_id=str(category.pk)
    ).exists()


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ({"name": "coin"}, "JSON list"),
        ([{"type": "coin"}], "has no"),
        ([{"name": "coin", "type": "colour"}], "unknown type"),
        ([{"name": "txid", "type": "txid"}], "named &quot;network&quot;"),
        (
            [{"name": "coin", "type": "coin"}, {"name": "coin", "type": "text"}],
            "must be unique",
        ),
        ([{"name": "issue", "type": "choice"}], "non-empty"),
        ([{"name": "Bad Name", "type": "text"}], "lower-case"),
    ],
)
def test_category_form_refuses_broken_field_specs(
    admin_client: Client, specs: Any, message: str
) -> None:
    response = admin_client.post(
        reverse("admin:tickets_category_add"),
        _category_post(form_fields=json.dumps(specs)),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Category.objects.filter(slug="staking").exists()


def test_categories_cannot_be_deleted_only_deactivated(admin_client: Client) -> None:
    category = Category.objects.get(slug="other")

    response = admin_client.post(
        reverse("admin:tickets_category_delete", args=[category.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Category.objects.filter(pk=category.pk).exists()


# --- macros --------------------------------------------------------------------------------


def test_macro_with_known_placeholders_is_saved(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:tickets_macro_add"),
        {
            "name": "Greeting",
            "team": "",
            "body_en": "Hello {{ customer.name }}, about {{ ticket.reference }}. {{ agent.name }}",
            "body_zh": "{{ customer.name }}您好",
            "set_status": "",
            "add_tags": '["Greeting"]',
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Macro.objects.get(name="Greeting").add_tags == ["greeting"]


def test_macro_with_an_unknown_placeholder_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:tickets_macro_add"),
        {
            "name": "Typo",
            "team": "",
            "body_en": "Hello {{ customer.nmae }}",
            "body_zh": "",
            "set_status": "",
            "add_tags": "[]",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "customer.nmae" in response.content.decode()
    assert not Macro.objects.filter(name="Typo").exists()


# --- users and teams -----------------------------------------------------------------------


def _user_post(user: User | None = None, /, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": user.email if user else "new.agent@beacon.test",
        "display_name": user.display_name if user else "New Agent",
        "role": user.role if user else Role.AGENT,
        "is_active": "on",
        "language": "en",
        "skills_languages": ["en", "zh-hans"],
        "exchange_uid": "",
        "phone": "",
        "vip_tier": "0",
        "kyc_level": "0",
        "new_password": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_adds_an_agent_to_a_team_with_a_password(admin_client: Client) -> None:
    team = Team.objects.get(slug="p2p")

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        _user_post(
            new_password="a long demo passphrase",
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-team": str(team.pk),
                "memberships-0-is_lead": "on",
            },
        ),
    )

    assert response.status_code == 302
    agent = User.objects.get(email="new.agent@beacon.test")
    assert agent.check_password("a long demo passphrase")
    assert agent.skills_languages == ["en", "zh-hans"]
    assert Membership.objects.get(user=agent, team=team).is_lead


def test_user_form_never_shows_the_password_hash(admin_client: Client) -> None:
    customer = CustomerFactory.create()

    response = admin_client.get(
        reverse("admin:accounts_user_change", args=[customer.pk])
    )

    assert response.status_code == 200
    assert customer.password not in response.content.decode()


def test_weak_password_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_add"), _user_post(new_password="12345")
    )

    assert response.status_code == 200
    assert not User.objects.filter(email="new.agent@beacon.test").exists()


def test_customer_cannot_be_put_in_a_team(admin_client: Client) -> None:
    customer = CustomerFactory.create()
    team = Team.objects.get(slug="p2p")

    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[customer.pk]),
        _user_post(
            customer,
            exchange_uid=customer.exchange_uid,
            **{"memberships-TOTAL_FORMS": "1", "memberships-0-team": str(team.pk)},
        ),
    )

    assert response.status_code == 200
    assert "Only agents, leads and admins" in response.content.decode()
    assert not Membership.objects.filter(user=customer).exists()


def test_admin_cannot_remove_their_own_admin_role(
    admin_client: Client, admin_user: User
) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[admin_user.pk]),
        _user_post(admin_user, role=Role.AGENT),
    )

    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


# --- API tokens ----------------------------------------------------------------------------


def test_token_list_never_shows_the_digest(admin_client: Client) -> None:
    token, secret = api_token_create(user=AgentFactory.create(), name="CRM sync")

    response = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    detail = admin_client.get(
        reverse("admin:accounts_apitoken_change", args=[token.pk])
    )

    assert "CRM sync" in response.content.decode()
    for page in (response, detail):
        assert token.digest not in page.content.decode()
        assert secret not in page.content.decode()


def test_admin_revokes_tokens_and_the_revocation_is_audited(
    admin_client: Client, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    token, secret = api_token_create(user=AgentFactory.create(), name="CRM sync")
    assert (
        TokenAuth().authenticate(RequestFactory().get("/"), secret) is not None
    )  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_apitoken_changelist"),
            {"action": "revoke", "_selected_action": [str(token.pk)]},
        )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="api_token.revoke", actor=admin_user
    ).exists()
    assert TokenAuth().authenticate(RequestFactory().get("/"), secret) is None


def test_tokens_cannot_be_added_in_the_admin(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:accounts_apitoken_add"))

    assert response.status_code == 403
    assert ApiToken.objects.count() == 0
