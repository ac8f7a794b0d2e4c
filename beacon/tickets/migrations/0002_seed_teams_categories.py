"""Seed the seven support teams and thirteen request categories (see beacon/tickets/seed.py)."""

from django.db import migrations

from beacon.tickets.seed import seed_teams_and_categories, unseed_teams_and_categories


def forwards(apps, schema_editor):
    seed_teams_and_categories(
        apps.get_model("accounts", "Team"), apps.get_model("tickets", "Category")
    )


def backwards(apps, schema_editor):
    unseed_teams_and_categories(
        apps.get_model("accounts", "Team"), apps.get_model("tickets", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
