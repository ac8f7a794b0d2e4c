"""The zh-Hans catalogue is complete and its compiled file is current."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PO = (
    Path(__file__).resolve().parents[2]
    / "locale"
    / "zh_Hans"
    / "LC_MESSAGES"
    / "django.po"
)
ENTRY_RE = re.compile(r'^(msgstr(?:\[0\])?) ((?:".*"\n?)+)', re.M)


def _entries() -> list[str]:
    return [e for e in PO.read_text(encoding="utf-8").split("\n\n") if "msgid" in e]


def test_no_entry_is_fuzzy_or_untranslated() -> None:
    missing = []
    for entry in _entries()[1:]:  # the first is the header
        match = ENTRY_RE.search(entry + "\n")
        text = "".join(re.findall(r'"(.*)"', match.group(2))) if match else ""
        if not text or "#, fuzzy" in entry:
            missing.append(entry.splitlines()[-2][:80])

    assert missing == []


def test_compiled_catalogue_is_used() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        assert translation.gettext("Pending customer") == "等待客户回复"
