"""Profile one request path in-process with cProfile, against a prepared benchmark DATA_DIR.

    DATA_DIR=/tmp/beacon-bench/beacon-sqlite .venv/bin/python bench/profile_request.py /console/ [-n 50] [--api] [--post JSON]

Signs in as the benchmark agent (session, or its API token with --api), sends the request once
to warm caches, then `-n` more times under cProfile, and prints the wall time per request, the
SQL time per request and the functions with the most cumulative and own time. --post sends
JSON (with a fresh "[profile-N]" subject prefix each time) instead of a GET.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from beacon.accounts.models import User  # noqa: E402

AGENT_EMAIL = "bench-agent@example.test"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument(
        "--api", action="store_true", help="authenticate with the bench API token"
    )
    parser.add_argument("--post", help="JSON body to POST")
    parser.add_argument(
        "--htmx", action="store_true", help="send HX-Request: true (the HTMX partial)"
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--callees",
        action="append",
        default=[],
        help="also print what functions matching this pattern call (repeatable)",
    )
    args = parser.parse_args()

    client = Client()
    headers: dict[str, str] = {"HX-Request": "true"} if args.htmx else {}
    if args.api:
        token = (
            (Path(os.environ["DATA_DIR"]) / "bench" / "api_token").read_text().strip()
        )
        headers["Authorization"] = f"Bearer {token}"
    else:
        client.force_login(User.objects.get(email=AGENT_EMAIL))

    def send(n: int) -> Any:
        if args.post:
            body = json.loads(args.post)
            body["subject"] = f"[profile-{n}] {body.get('subject', '')}"
            return client.post(
                args.path,
                data=json.dumps(body),
                content_type="application/json",
                headers=headers,
            )
        return client.get(args.path, headers=headers)

    first = send(0)
    sys.stdout.write(f"status {first.status_code}, {len(first.content)} bytes\n")
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        profiler.enable()
        for n in range(1, args.n + 1):
            send(n)
        profiler.disable()
        elapsed = time.perf_counter() - start
    sql_s = sum(float(q["time"]) for q in queries.captured_queries)
    sys.stdout.write(
        f"{1000 * elapsed / args.n:.2f} ms per request (profiled), {len(queries.captured_queries) / args.n:.1f} queries "
        f"and {1000 * sql_s / args.n:.2f} ms SQL per request\n"
    )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(
            args.top
        )
        sys.stdout.write(out.getvalue())
    for pattern in args.callees:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_callees(pattern)
        sys.stdout.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
