"""Side-by-side table of one benchmark run (peer and Beacon) and the issue's targets.

    python3 bench/summarize.py bench/results/<run>/results.jsonl

Reads the JSON lines written by the peer's bench.sh and by bench/wrk_run.py. A label of the
form "beacon-sqlite|search-api" renames the row's scenario (bench.sh has no API search scenario,
so run.sh runs its list-api scenario on /api/v1/tickets?q=... under that label).

Targets (from the foundation issue):
- API ticket creation at 16 connections: at least 10x the peer's rate, with p99 <= 50 ms;
- ticket list and search with 50,000 tickets: p99 <= 50 ms.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PEER = "peer"
TARGET_CREATE_RATIO = 10.0
TARGET_P99_MS = 50.0
READ_SCENARIOS = (
    "list-ui",
    "search-ui",
    "list-ui-htmx",
    "search-ui-htmx",
    "list-api",
    "search-api",
)
ORDER = ["create-api", "create-api-idem", "create-form", *READ_SCENARIOS]


def load(path: Path) -> list[dict[str, Any]]:
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        label = str(row.get("label", ""))
        if "|" in label:
            row["label"], row["scenario"] = label.split("|", 1)
        if "p99_ms" in row:
            rows.append(row)
    return rows


def errors(row: dict[str, Any]) -> int:
    return int(
        sum(
            row[k]
            for k in (
                "err_connect",
                "err_read",
                "err_write",
                "err_timeout",
                "non_2xx_3xx",
            )
        )
    )


def cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "| - | - | - | - "
    failed = errors(row)
    rate = f"{row['ok_per_s']}" + (f" ({failed} err)" if failed else "")
    return f"| {rate} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row.get('server_cpu_ms_per_ok')} "


def table(rows: list[dict[str, Any]]) -> list[str]:
    labels = [PEER, *sorted({r["label"] for r in rows if r["label"] != PEER})]
    index = {
        (r["label"], r["scenario"], r["concurrency"]): r for r in rows
    }  # a repeated point: the last wins
    points = sorted(
        {(r["scenario"], r["concurrency"]) for r in rows},
        key=lambda p: (ORDER.index(p[0]) if p[0] in ORDER else 99, p[1]),
    )
    head = "| scenario | c " + "".join(
        f"| {label} ok/s | p50 ms | p99 ms | CPU ms/req " for label in labels
    )
    head += "".join(f"| {label} / peer (ok/s) " for label in labels[1:]) + "|"
    lines = [head, "|" + "---|" * (2 + 4 * len(labels) + len(labels) - 1)]
    for scenario, concurrency in points:
        line = f"| {scenario} | {concurrency} "
        line += "".join(
            cell(index.get((label, scenario, concurrency))) for label in labels
        )
        peer = index.get(
            (
                PEER,
                scenario if scenario != "create-api-idem" else "create-api",
                concurrency,
            )
        )
        for label in labels[1:]:
            mine = index.get((label, scenario, concurrency))
            ratio = (
                f"{mine['ok_per_s'] / peer['ok_per_s']:.1f}x"
                if mine and peer and peer["ok_per_s"]
                else "-"
            )
            line += f"| {ratio} "
        lines.append(line + "|")
    return lines


def targets(rows: list[dict[str, Any]]) -> list[str]:
    index = {(r["label"], r["scenario"], r["concurrency"]): r for r in rows}
    labels = sorted({r["label"] for r in rows if r["label"] != PEER})
    peer = index.get((PEER, "create-api", 16))
    out = []
    for label in labels:
        for scenario in ("create-api", "create-api-idem"):
            mine = index.get((label, scenario, 16))
            if mine is None:
                continue
            if peer is None or not peer["ok_per_s"]:
                out.append(
                    f"- {label} {scenario} c=16: {mine['ok_per_s']} tickets/s, p99 {mine['p99_ms']:.1f} ms (no peer figure to compare)"
                )
                continue
            ratio = mine["ok_per_s"] / peer["ok_per_s"]
            met = (
                ratio >= TARGET_CREATE_RATIO
                and mine["p99_ms"] <= TARGET_P99_MS
                and errors(mine) == 0
            )
            out.append(
                f"- {label} {scenario} c=16: {mine['ok_per_s']} tickets/s = {ratio:.1f}x the peer's {peer['ok_per_s']} "
                f"(target >= {TARGET_CREATE_RATIO:.0f}x), p99 {mine['p99_ms']:.1f} ms (target <= {TARGET_P99_MS:.0f}), "
                f"errors {errors(mine)}: {'MET' if met else 'NOT MET'}"
            )
        floor = index.get((label, "floor-me", 16))
        if floor is not None and peer is not None and floor["ok_per_s"]:
            wanted = TARGET_CREATE_RATIO * peer["ok_per_s"]
            out.append(
                f"- {label} floor-me c=16 (GET /api/v1/me: the token, one prepared query, JSON): {floor['ok_per_s']} requests/s; "
                f"the create target asks {wanted:.0f} creates/s, {wanted / floor['ok_per_s']:.0%} of that rate"
            )
        for scenario in READ_SCENARIOS:
            for concurrency in (1, 16):
                mine = index.get((label, scenario, concurrency))
                if mine is None:
                    continue
                met = mine["p99_ms"] <= TARGET_P99_MS and errors(mine) == 0
                out.append(
                    f"- {label} {scenario} c={concurrency}: p99 {mine['p99_ms']:.1f} ms (target <= {TARGET_P99_MS:.0f}), errors {errors(mine)}: {'MET' if met else 'NOT MET'}"
                )
    return out


def creates(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        if "tickets_created" in r:
            out.append(
                f"- {r['label']} {r['scenario']} c={r['concurrency']}: {r['ok']} ok, {r['tickets_created']} created, lost {r['lost']}, duplicated {r['duplicated']}"
            )
    return out


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    rows = load(Path(argv[0]))
    background = sorted({r.get("background_cpu_pct", 0) for r in rows})
    say(
        "## Side by side (ok/s = successful requests per second; CPU = server CPU ms per successful request)\n"
    )
    say("\n".join(table(rows)))
    say("\n## Targets\n")
    say("\n".join(targets(rows)) or "- no Beacon rows")
    say("\n## Ticket accounting (creates)\n")
    say("\n".join(creates(rows)) or "- no create rows")
    if background:
        say(
            f"\nBackground CPU before the runs: {background[0]}% to {background[-1]}% of all cores."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
