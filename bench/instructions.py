"""Instructions per request, counted by valgrind's callgrind: a measure that does not drift.

On a shared 2-core machine the CPU time of one request varies by 20-50% from minute to minute,
so a before/after comparison of a few percent drowns in noise. Callgrind counts the
instructions the process executes, which is the same for the same code, data and request
whatever else the machine does. A request is sent in process (Django's test client, as
`bench/profile_request.py`) `-n` times after a warm-up, with the count switched on only around
them (callgrind_control), so start-up and warm-up are left out.

    DATA_DIR=/tmp/beacon-bench/beacon-sqlite .venv/bin/python bench/instructions.py /console/ [--htmx] [--api] [-n 5]
    # another checkout against the same data: PYTHONPATH=/path/to/checkout ... bench/instructions.py ...

Needs valgrind (Debian package). It prints "PATH: N.NN M instructions per request". Callgrind
runs the code about fifty times slower: a console page takes some 30 seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AGENT_EMAIL = "bench-agent@example.test"


def _measured(path: str, *, htmx: bool, api: bool, count: int) -> None:
    """Inside callgrind: warm up, then switch counting on around `count` requests."""
    # After PYTHONPATH, so that another checkout named there is the one measured.
    sys.path.append(str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
    import django

    django.setup()
    from django.test import Client

    from beacon.accounts.models import User

    client = Client()
    headers = {"HX-Request": "true"} if htmx else {}
    if api:
        token = (Path(os.environ["DATA_DIR"]) / "bench" / "api_token").read_text()
        headers["Authorization"] = f"Bearer {token.strip()}"
    else:
        client.force_login(User.objects.get(email=AGENT_EMAIL))
    for _ in range(3):
        status = client.get(path, headers=headers).status_code
    if status != 200:
        raise SystemExit(f"{path} answered {status}, not 200")
    control = ["callgrind_control", "--instr"]
    subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(count):
        client.get(path, headers=headers)
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("-n", type=int, default=5, help="requests counted (default 5)")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request: true")
    parser.add_argument(
        "--api", action="store_true", help="authenticate with the bench API token"
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _measured(args.path, htmx=args.htmx, api=args.api, count=args.n)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={scratch}/callgrind.out",
            sys.executable,
            __file__,
            "--inside",
            args.path,
            "-n",
            str(args.n),
            *(["--htmx"] if args.htmx else []),
            *(["--api"] if args.api else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or collected is None:
        sys.stderr.write(done.stderr[-2000:])
        return 1
    per_request = int(collected.group(1)) / args.n / 1e6
    label = f"{args.path}{' (HTMX)' if args.htmx else ''}"
    sys.stdout.write(f"{label}: {per_request:.2f} M instructions per request\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
