"""One wrk run measured exactly like the peer's bench.sh `run_wrk`, for loads bench.sh cannot send.

bench.sh substitutes __N__ (a unique id per request) in the path and body only; a create with
a fresh Idempotency-Key per request needs it in a header too, which lua/headers_n.lua adds.
Everything else is bench.sh's method: the same wrk thread rule, MAX_REQUESTS bound, wait for a
quiet machine, server CPU seconds from /proc, a drain wait, ticket counts before/after, and the
same JSON line and SUMMARY line, so bench/summarize.py treats both alike.

    python3 bench/wrk_run.py SCENARIO CONCURRENCY METHOD PATH BODY [--header "Name: value"]... [--creates]

Environment (same names and defaults as bench.sh): BASE_URL, DURATION, MAX_REQUESTS, WRK_TIMEOUT,
RESULTS, LABEL, QUIET_MAX_PCT, QUIET_WAIT_S, DRAIN_MAX_S, PROBE_PATH, SERVER_PIDS_CMD, COUNT_CMD,
TITLES_CMD.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def shell_json(command: str) -> dict[str, object]:
    out = subprocess.run(
        ["bash", "-c", command], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def cpu_busy_pct(seconds: float) -> float:
    def snap() -> tuple[int, int]:
        with Path("/proc/stat").open() as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)

    busy0, total0 = snap()
    time.sleep(seconds)
    busy1, total1 = snap()
    return round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1)


def wait_quiet() -> float:
    limit, wait_s = float(env("QUIET_MAX_PCT", "15")), float(env("QUIET_WAIT_S", "180"))
    start = time.monotonic()
    busy = cpu_busy_pct(2)
    while busy > limit and time.monotonic() - start < wait_s:
        time.sleep(3)
        busy = cpu_busy_pct(2)
    if busy > limit:
        sys.stderr.write(
            f"[bench] warning: machine busy ({busy}% CPU) before the run; numbers will be low\n"
        )
    return busy


def server_cpu_s() -> float:
    command = os.environ.get("SERVER_PIDS_CMD", "")
    pids = (
        subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True
        ).stdout.split()
        if command
        else []
    )
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def drain(base_url: str, probe: str) -> None:
    """Wait until the server answers a cheap request quickly again."""
    deadline = time.monotonic() + float(env("DRAIN_MAX_S", "300"))
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(
                base_url + probe, timeout=60
            ) as response:  # loopback only: checked in main()
                response.read()
            if time.monotonic() - start < 0.5:
                return
        except OSError:
            pass
        time.sleep(1)
    sys.stderr.write("[bench] warning: server still slow after the drain limit\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("concurrency", type=int)
    parser.add_argument("method")
    parser.add_argument("path")
    parser.add_argument("body")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--creates", action="store_true")
    args = parser.parse_args()

    base_url = env("BASE_URL", "http://127.0.0.1:8766")
    host = urlsplit(base_url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        sys.stderr.write(
            f"refusing to load anything but loopback (got host '{host}')\n"
        )
        return 2
    duration, max_requests = env("DURATION", "20"), int(env("MAX_REQUESTS", "50000"))
    results = Path(env("RESULTS", "bench/results/results.jsonl"))
    results.parent.mkdir(parents=True, exist_ok=True)
    threads = 1 if args.concurrency < 2 else 2
    run_id = f"b{int(time.time())}{random.randint(0, 32767)}"  # an id, not a secret

    before = (
        int(str(shell_json(os.environ["COUNT_CMD"])["tickets"]))
        if args.creates
        else None
    )
    background = wait_quiet()
    cpu0 = server_cpu_s()
    wrk_env = {
        **os.environ,
        "WRK_METHOD": args.method,
        "WRK_PATH": args.path,
        "WRK_BODY": args.body,
        "WRK_HEADERS": "\n".join(args.header),
        "WRK_MAX_PER_THREAD": str((max_requests + threads - 1) // threads),
        "WRK_RUN_ID": run_id,
    }
    wrk = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(args.concurrency),
            "-d",
            f"{duration}s",
            "--timeout",
            env("WRK_TIMEOUT", "60s"),
            "-s",
            str(HERE / "lua" / "headers_n.lua"),
            base_url,
        ],
        env=wrk_env,
        capture_output=True,
        text=True,
    )
    lines = [line for line in wrk.stdout.splitlines() if line.startswith("WRKJSON ")]
    if not lines:
        sys.stderr.write(wrk.stdout + wrk.stderr + "\n[bench] wrk gave no result\n")
        return 1
    measured = json.loads(lines[-1].split(" ", 1)[1])
    drain(base_url, env("PROBE_PATH", "/healthz"))
    cpu = server_cpu_s() - cpu0

    ok = sum(v for k, v in measured["codes"].items() if k.startswith(("2", "3")))
    row: dict[str, object] = {
        "scenario": args.scenario,
        "concurrency": args.concurrency,
        "label": os.environ.get("LABEL", ""),
        "background_cpu_pct": background,
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_ok": round(1000 * cpu / ok, 2) if ok else None,
        **measured,
        "ok": ok,
        "ok_per_s": round(ok / measured["seconds"], 2) if measured["seconds"] else 0,
    }
    extra = ""
    if before is not None:
        after = int(str(shell_json(os.environ["COUNT_CMD"])["tickets"]))
        titles = shell_json(f"{os.environ['TITLES_CMD']} '[{run_id}-'")
        run_tickets, distinct = (
            int(str(titles.get("tickets", 0))),
            int(str(titles.get("distinct_titles", 0))),
        )
        row.update(
            tickets_before=before,
            tickets_after=after,
            tickets_created=after - before,
            run_tickets=run_tickets,
            run_distinct_titles=distinct,
            lost=max(0, ok - (after - before)),
            duplicated=run_tickets - distinct,
        )
        extra = f" created={after - before} lost={row['lost']} dup={row['duplicated']}"
    with results.open("a") as handle:
        handle.write(json.dumps(row) + "\n")
    errors = sum(
        int(measured[k])
        for k in ("err_connect", "err_read", "err_write", "err_timeout", "non_2xx_3xx")
    )
    sys.stdout.write(
        f"SUMMARY {args.scenario} c={args.concurrency} ok/s={row['ok_per_s']} p50={measured['p50_ms']:.1f}ms "
        f"p95={measured['p95_ms']:.1f}ms p99={measured['p99_ms']:.1f}ms ok={ok} errors={errors} codes={measured['codes']}{extra}"
        f" srv_cpu/ok={row['server_cpu_ms_per_ok']}ms bg_cpu={background}%\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
