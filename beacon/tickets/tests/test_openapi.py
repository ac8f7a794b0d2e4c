"""The published API contract: GET /api/v1/openapi.json must match the committed snapshot.

A change to a schema, path or parameter shows up here first, so it is a deliberate decision
(and visible in review) rather than an accident that breaks integrations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"
REGENERATE = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest beacon/tickets/tests/test_openapi.py"


def _render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Paths of the first differing keys, so the failure says where the contract changed."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{key}"
            if key not in actual:
                found.append(f"removed: {where}")
            elif key not in expected:
                found.append(f"added: {where}")
            else:
                found.extend(_differences(expected[key], actual[key], where))
        return found
    return [] if expected == actual else [f"changed: {path or '/'}"]


@pytest.mark.django_db
def test_openapi_schema_matches_the_committed_snapshot() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    actual = response.json()

    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(_render(actual), encoding="utf-8")
    assert SNAPSHOT.exists(), (
        f"No OpenAPI snapshot at {SNAPSHOT}. Create it with:\n    {REGENERATE}"
    )
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))

    differences = _differences(expected, actual)
    assert not differences, (
        "The OpenAPI schema differs from the committed snapshot beacon/tickets/tests/snapshots/openapi.json:\n    "
        + "\n    ".join(differences[:25])
        + ("\n    ..." if len(differences) > 25 else "")
        + "\nIf the change is intended (it changes the contract integrations rely on), regenerate the snapshot"
        f" and commit it:\n    {REGENERATE}"
    )
