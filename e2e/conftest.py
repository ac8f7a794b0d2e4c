"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def seeded(transactional_db: None) -> None:
    """Seed teams and categories again: transactional tests flush what the data migration made."""
    from beacon.accounts.models import Team
    from beacon.tickets.models import Category
    from beacon.tickets.seed import seed_teams_and_categories

    seed_teams_and_categories(Team, Category)
