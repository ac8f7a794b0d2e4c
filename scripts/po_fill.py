"""Fill msgstr values in a .po file from a {msgid: msgstr} dict file (drops fuzzy guesses).

Usage: python scripts/po_fill.py beacon/locale/zh_Hans/LC_MESSAGES/django.po translations.py
Only entries whose msgstr is empty or fuzzy are touched.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    )


def _join(parts: list[str]) -> str:
    return "".join(ast.literal_eval(part) for part in parts)


def fill(po_text: str, translations: dict[str, str]) -> tuple[str, int]:
    out = []
    done = 0
    for block in po_text.split("\n\n"):
        lines = block.split("\n")
        msgid: list[str] = []
        msgstr: list[str] = []
        current: list[str] | None = None
        plural = False
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
                current.append(line[6:])
            elif line.startswith("msgid_plural"):
                plural = True
                current = None
            elif line.startswith("msgstr "):
                current = msgstr
                current.append(line[7:])
            elif line.startswith('"') and current is not None:
                current.append(line)
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        key = _join(msgid) if msgid else ""
        if (
            plural
            or not key
            or key not in translations
            or (_join(msgstr) and not fuzzy)
        ):
            out.append(block)
            continue
        kept = []
        for line in lines:
            if line.startswith("#|"):
                continue
            if line.startswith("#,") and "fuzzy" in line:
                flags = [
                    f.strip()
                    for f in line[2:].split(",")
                    if f.strip() and f.strip() != "fuzzy"
                ]
                if flags:
                    kept.append("#, " + ", ".join(flags))
                continue
            if line.startswith("msgstr ") or (
                line.startswith('"')
                and current is msgstr
                and kept
                and kept[-1].startswith(("msgstr", '"'))
                and _in_msgstr(kept)
            ):
                continue
            kept.append(line)
        kept = [line for line in kept if not line.startswith("msgstr ")]
        while kept and kept[-1].startswith('"') and _in_msgstr(kept):
            kept.pop()
        kept.append("msgstr " + _quote(translations[key]))
        out.append("\n".join(kept))
        done += 1
    return "\n\n".join(out), done


def _in_msgstr(lines: list[str]) -> bool:
    for line in reversed(lines):
        if line.startswith("msgstr"):
            return True
        if line.startswith("msgid"):
            return False
    return False


def main() -> None:
    po_path, table_path = Path(sys.argv[1]), Path(sys.argv[2])
    namespace: dict[str, object] = {}
    exec(table_path.read_text(encoding="utf-8"), namespace)  # noqa: S102  # a local, trusted table
    translations = namespace["T"]
    assert isinstance(translations, dict)
    text, done = fill(po_path.read_text(encoding="utf-8"), translations)
    po_path.write_text(text, encoding="utf-8")
    sys.stderr.write(f"filled {done}\n")


if __name__ == "__main__":
    main()
