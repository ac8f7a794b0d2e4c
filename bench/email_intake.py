"""Email intake throughput, measured like the peer's `bench.sh email email-overlap`.

    .venv/bin/python bench/email_intake.py [--messages 2000] [--dup 20] [--work DIR]

For each scenario: a fresh DATA_DIR (SQLite), `migrate`, one mailbox; N messages from N
different customers (one in five with an HTML alternative, like the peer's generator) plus DUP
exact re-deliveries (same Message-ID, another file), written as .eml files; then the timed part:
`beacon email_import DIR` (one run, or two started at once for "email-overlap"), from process
start to exit. Afterwards the database is asked how many tickets were created and whether any
Message-ID reached more than one ticket. One JSON line per scenario on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BEACON = [sys.executable, "-m", "beacon.cli"]
TOPICS = [
    ("Withdrawal pending", "提现一直在处理中"),
    ("Deposit not credited", "充值未到账"),
    ("Cannot log in, 2FA code rejected", "无法登录，二次验证码错误"),
    ("KYC documents rejected", "身份认证被拒绝"),
    ("P2P seller did not release", "P2P 卖家未放币"),
]
SEED = """
from beacon.intake.email.models import Mailbox
Mailbox.objects.get_or_create(slug="support", defaults={"name": "Support", "address": "support@beacon.test"})
"""


def generate(directory: Path, n: int, dup: int) -> int:
    rng = random.Random(7)
    directory.mkdir(parents=True)
    written = 0
    now = format_datetime(datetime.now(UTC))
    for i in range(n):
        english, chinese = rng.choice(TOPICS)
        title = f"{english} / {chinese} #{i}"
        body = f"Hello, {english.lower()} since this morning (order {rng.randint(10_000, 99_999)}).\n{chinese}，请尽快处理。\n"
        message = EmailMessage()
        message["From"] = f"Customer {i} <cust{i}@example.test>"
        message["To"] = "support@beacon.test"
        message["Subject"] = title
        message["Date"] = now
        message["Message-ID"] = make_msgid(idstring=f"bench{i}", domain="example.test")
        message.set_content(body)
        if i % 5 == 0:
            message.add_alternative(
                f"<html><body><p>{body.replace(chr(10), '<br>')}</p></body></html>",
                subtype="html",
            )
        raw = message.as_bytes()
        (directory / f"{i:06d}.eml").write_bytes(raw)
        written += 1
        if i < dup:
            (directory / f"{i:06d}.dup.eml").write_bytes(raw)
            written += 1
    return written


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "REDIS_URL", "BEACON_TESTING"):
        env.pop(name, None)
    return env


def _query(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(sql).fetchone()[0])


def scenario(
    work: Path, *, name: str, parallel: int, n: int, dup: int
) -> dict[str, Any]:
    data_dir = work / name
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = _env(data_dir)
    subprocess.run(
        [*BEACON, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    subprocess.run(
        [*BEACON, "shell", "-c", SEED],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    mail = data_dir / "mail"
    files = generate(mail, n, dup)
    db = data_dir / "beacon.sqlite3"
    before = _query(db, "SELECT count(*) FROM tickets_ticket")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    runs = [
        subprocess.Popen(
            [*BEACON, "email_import", str(mail), "--mailbox", "support"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(parallel)
    ]
    outputs = [run.communicate()[0].decode().strip() for run in runs]
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    created = _query(db, "SELECT count(*) FROM tickets_ticket") - before
    spread = _query(
        db,
        "SELECT count(*) FROM (SELECT message_id FROM intake_email_inboundemail "
        "GROUP BY message_id HAVING count(DISTINCT ticket_id) > 1)",
    )
    return {
        "scenario": name,
        "parallel_ingest_runs": parallel,
        "messages_unique": n,
        "redelivered_copies": dup,
        "files_offered": files,
        "seconds": round(seconds, 2),
        "ingest_cpu_s": round(
            (cpu_after.ru_utime - cpu_before.ru_utime)
            + (cpu_after.ru_stime - cpu_before.ru_stime),
            2,
        ),
        "tickets_created": created,
        "tickets_per_s": round(created / seconds, 2),
        "messages_per_s": round(files / seconds, 2),
        "extra_tickets_vs_unique_messages": created - n,
        "stored_rows": _query(db, "SELECT count(*) FROM intake_email_inboundemail"),
        "message_ids_in_more_than_one_ticket": spread,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "import_output": outputs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--dup", type=int, default=20)
    parser.add_argument("--work", type=Path, default=Path("/tmp/beacon-bench-email"))
    parser.add_argument("--scenarios", default="email,email-overlap")
    args = parser.parse_args()
    # Bytecode as an installed deployment has it (pip compiles site-packages on install; this
    # checkout is an editable install, and PYTHONDONTWRITEBYTECODE would leave it uncompiled).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "beacon")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for name in args.scenarios.split(","):
        result = scenario(
            args.work,
            name=name,
            parallel=2 if name == "email-overlap" else 1,
            n=args.messages,
            dup=args.dup,
        )
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
