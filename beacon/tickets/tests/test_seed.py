"""The seed migration: seven teams and thirteen categories with forms that work."""

from __future__ import annotations

import pytest

from beacon.accounts.models import Membership, Team
from beacon.accounts.tests.factories import AgentFactory
from beacon.tickets.admin import form_spec_errors
from beacon.tickets.form_fields import FieldType, check_fields, parse_specs
from beacon.tickets.models import Category, Priority
from beacon.tickets.seed import (
    CATEGORY_SLUGS,
    TEAM_SLUGS,
    seed_teams_and_categories,
    unseed_teams_and_categories,
)
from beacon.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

DEPOSIT_LIKE = ("deposit-not-credited", "withdrawal-delayed", "wrong-network-memo")


def test_migration_created_the_seven_teams_with_both_names() -> None:
    teams = {team.slug: team for team in Team.objects.filter(slug__in=TEAM_SLUGS)}

    assert sorted(teams) == sorted(TEAM_SLUGS)
    assert len(TEAM_SLUGS) == 7
    assert teams["deposits-withdrawals"].name_en == "Deposits & Withdrawals"
    assert teams["deposits-withdrawals"].name_zh == "充提币"
    assert all(team.name_zh for team in teams.values())


def test_migration_created_the_thirteen_categories_with_teams_and_descriptions() -> (
    None
):
    categories = list(
        Category.objects.filter(slug__in=CATEGORY_SLUGS).select_related("default_team")
    )

    assert len(categories) == 13
    for category in categories:
        assert category.default_team is not None, category.slug
        assert (
            category.name_zh and category.description_en and category.description_zh
        ), category.slug


def test_every_seeded_form_spec_parses_and_passes_admin_validation() -> None:
    for category in Category.objects.filter(slug__in=CATEGORY_SLUGS):
        specs = parse_specs(category.form_fields)

        assert form_spec_errors(category.form_fields) == [], category.slug
        assert all(spec.label_en and spec.label_zh for spec in specs), category.slug


def test_deposit_like_categories_require_network_and_txid() -> None:
    for slug in DEPOSIT_LIKE:
        specs = {
            spec.name: spec
            for spec in parse_specs(Category.objects.get(slug=slug).form_fields)
        }

        assert (
            specs["network"].type == FieldType.NETWORK and specs["network"].required
        ), slug
        assert specs["txid"].type == FieldType.TXID, slug
    deposit = {
        spec.name: spec
        for spec in parse_specs(
            Category.objects.get(slug="deposit-not-credited").form_fields
        )
    }
    assert deposit["txid"].required


def test_deposit_memo_becomes_required_on_a_memo_network() -> None:
    specs = parse_specs(Category.objects.get(slug="deposit-not-credited").form_fields)
    values = {
        "coin": "XRP",
        "network": "XRP",
        "txid": "A" * 64,
        "amount": "10",
        "time": "2025-01-01T10:00:00+00:00",
    }

    on_xrp = check_fields(specs, values)
    on_tron = check_fields(specs, {**values, "network": "TRC20"})

    assert on_xrp.missing == ["memo"]
    assert on_tron.missing == []


def test_security_category_is_urgent_and_goes_to_account_security() -> None:
    category = Category.objects.select_related("default_team").get(
        slug="account-compromised"
    )

    assert category.is_security
    assert category.default_priority == Priority.P1
    assert (
        category.default_team is not None
        and category.default_team.slug == "account-security"
    )
    assert (
        Category.objects.filter(slug__in=CATEGORY_SLUGS, is_security=True).count() == 1
    )


def test_suggestions_are_low_priority_and_complaints_go_to_the_complaints_team() -> (
    None
):
    suggestion = Category.objects.get(slug="feature-suggestion")
    complaint = Category.objects.select_related("default_team").get(slug="complaint")

    assert suggestion.default_priority == Priority.P4
    assert complaint.default_priority == Priority.P2
    assert (
        complaint.default_team is not None
        and complaint.default_team.slug == "complaints"
    )


def test_choice_fields_carry_a_label_per_choice_in_both_languages() -> None:
    kyc = parse_specs(Category.objects.get(slug="kyc").form_fields)[0]
    raw = Category.objects.get(slug="kyc").form_fields[0]

    assert kyc.type == FieldType.CHOICE
    assert kyc.choices == (
        "document_rejected",
        "verification_pending",
        "limit_upgrade",
        "other",
    )
    assert (
        len(raw["choice_labels_en"]) == len(raw["choice_labels_zh"]) == len(kyc.choices)
    )


def test_seeding_again_keeps_edits_and_adds_nothing() -> None:
    Category.objects.filter(slug="fees").update(name_en="Fees and rebates")

    seed_teams_and_categories(Team, Category)

    assert Category.objects.get(slug="fees").name_en == "Fees and rebates"
    assert Category.objects.filter(slug__in=CATEGORY_SLUGS).count() == 13
    assert Team.objects.filter(slug__in=TEAM_SLUGS).count() == 7


def test_unseeding_keeps_categories_with_tickets_and_teams_with_members() -> None:
    make_ticket(category=Category.objects.get(slug="fees"))
    AgentFactory.create(teams=[Team.objects.get(slug="p2p")])

    unseed_teams_and_categories(Team, Category)

    assert list(
        Category.objects.filter(slug__in=CATEGORY_SLUGS).values_list("slug", flat=True)
    ) == ["fees"]
    assert set(
        Team.objects.filter(slug__in=TEAM_SLUGS).values_list("slug", flat=True)
    ) == {"p2p", "trading"}
    assert Membership.objects.filter(team__slug="p2p").exists()
