"""The Makefile's targets point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _scripts_named_in_makefile() -> list[str]:
    text = (REPO / "Makefile").read_text()
    return sorted(set(re.findall(r"(?:bench|scripts)/[\w./-]+\.(?:py|sh)", text)))


def test_every_script_the_makefile_runs_exists() -> None:
    scripts = _scripts_named_in_makefile()

    assert "bench/run.sh" in scripts
    missing = [script for script in scripts if not (REPO / script).is_file()]
    assert missing == []
