from __future__ import annotations

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from beacon.chat.seed import seed_flows

    seed_flows(apps.get_model("chat", "Flow"), apps.get_model("accounts", "Team"))


def backwards(apps: Any, schema_editor: Any) -> None:
    from beacon.chat.seed import FLOWS

    apps.get_model("chat", "Flow").objects.filter(
        slug__in=[spec["slug"] for spec in FLOWS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("tickets", "0002_seed_teams_categories"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
