"""Environment parsing: good values are read, bad ones stop start-up naming the variable."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from beacon.core.env import env_bool, env_int, env_list, env_path, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("", False),
    ],
)
def test_env_bool_reads_common_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("BEACON_T_FLAG", raw)

    assert env_bool("BEACON_T_FLAG", default=not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEACON_T_FLAG", raising=False)

    assert env_bool("BEACON_T_FLAG", default=True) is True


def test_env_bool_refuses_other_values_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_T_FLAG", "maybe")

    with pytest.raises(
        ImproperlyConfigured, match=r"BEACON_T_FLAG='maybe' is not a boolean"
    ):
        env_bool("BEACON_T_FLAG", default=False)


def test_env_int_reads_numbers_and_defaults_on_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_T_NUMBER", "42")
    assert env_int("BEACON_T_NUMBER", 7) == 42

    monkeypatch.setenv("BEACON_T_NUMBER", "  ")
    assert env_int("BEACON_T_NUMBER", 7) == 7


def test_env_int_refuses_words_naming_the_variable_and_an_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_T_NUMBER", "ten")

    with pytest.raises(
        ImproperlyConfigured,
        match=r"BEACON_T_NUMBER='ten' is not a whole number. Use e.g. BEACON_T_NUMBER=7",
    ):
        env_int("BEACON_T_NUMBER", 7)


def test_env_int_refuses_values_below_the_minimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_T_NUMBER", "5")

    with pytest.raises(
        ImproperlyConfigured, match=r"BEACON_T_NUMBER=5 is below the minimum 60"
    ):
        env_int("BEACON_T_NUMBER", 900, minimum=60)


def test_env_list_splits_on_commas_and_drops_blanks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEACON_T_LIST", " a.example, b.example ,,")

    assert env_list("BEACON_T_LIST", ["x"]) == ["a.example", "b.example"]


def test_env_list_and_str_use_defaults_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BEACON_T_LIST", raising=False)

    assert env_list("BEACON_T_LIST", ["x"]) == ["x"]
    assert env_str("BEACON_T_LIST", "fallback") == "fallback"


def test_env_path_expands_home_and_resolves(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BEACON_T_DIR", "~/data/../beacon")

    assert env_path("BEACON_T_DIR", Path("/nowhere")) == tmp_path / "beacon"


def test_secret_can_come_from_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "smtp_password"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    monkeypatch.delenv("BEACON_T_SECRET", raising=False)
    monkeypatch.setenv("BEACON_T_SECRET_FILE", str(secret))

    assert env_str("BEACON_T_SECRET") == "s3cret-value"


def test_unreadable_secret_file_names_the_file_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BEACON_T_SECRET_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured, match="BEACON_T_SECRET_FILE="):
        env_str("BEACON_T_SECRET")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "sometimes", "DEBUG='sometimes' is not a boolean"),
        ("SECRET_KEY", "too-short", "SECRET_KEY is shorter than 32 characters"),
        (
            "MAGIC_LINK_TTL_SECONDS",
            "5",
            "MAGIC_LINK_TTL_SECONDS=5 is below the minimum",
        ),
        ("PORT", "http", "PORT='http' is not a whole number"),
    ],
)
def test_settings_refuse_to_load_with_a_bad_value(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), variable: value}

    result = subprocess.run(
        [sys.executable, "-c", "import beacon.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# --- documentation ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[3]
COMMAND_VARIABLES = {"PORT", "HOST", "BEACON_ADMIN_PASSWORD"}


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "beacon" / "settings.py").read_text(encoding="utf-8")
    names = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def test_every_variable_is_documented_in_the_readme_and_env_example() -> None:
    variables = _variables_read_by_settings() | COMMAND_VARIABLES
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")

    assert {"DATA_DIR", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= variables
    assert sorted(name for name in variables if f"`{name}`" not in readme) == []
    assert sorted(name for name in variables if f"# {name}=" not in example) == []
