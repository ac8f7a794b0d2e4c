"""Time the triage pipeline: first-start training, and one job per new ticket (read + act).

    DATA_DIR=/tmp/beacon-triage-bench .venv/bin/python bench/triage_job.py [-n 200]

Uses its own DATA_DIR (SQLite, migrated here), trains the default models (the first-start
step of `beacon serve`), creates `-n` tickets in the generic category through the real
service with bilingual texts from the demo storylines, and runs the triage job of each one in
this process, one at a time, with BLAS pinned to one thread. Prints the training seconds and
p50/p99 of a job, and how many tickets triage re-categorised.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
os.environ.setdefault("DATA_DIR", "/tmp/beacon-triage-bench")
os.environ.setdefault("TRIAGE_ENABLED", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from beacon.accounts.models import Role, User  # noqa: E402
from beacon.tickets.models import Category  # noqa: E402
from beacon.tickets.services import ticket_create  # noqa: E402
from beacon.triage import services, training  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    training.ensure_defaults()
    train_seconds = time.perf_counter() - started

    other = Category.objects.get(slug="other")
    customer, _created = User.objects.get_or_create(
        email="bench-triage@example.test", defaults={"role": Role.CUSTOMER}
    )
    examples = training.demo_examples(per_language=4, seed=99)
    tickets = []
    for index in range(args.n):
        text, _label = examples[index % len(examples)]
        subject, _newline, body = text.partition("\n")
        tickets.append(
            ticket_create(
                customer=customer,
                category=other,
                subject=subject[:200] or "ticket",
                description=body or subject,
                require_fields=False,
            )
        )
    timings: list[float] = []
    moved = 0
    with threadpool_limits(limits=1):
        services.triage_ticket(ticket_id=tickets[0].pk)  # warm-up: models load
        for ticket in tickets[1:]:
            begun = time.perf_counter()
            result = services.triage_ticket(ticket_id=ticket.pk)
            timings.append((time.perf_counter() - begun) * 1000)
            moved += bool(result and result.applied.get("category"))
    p99 = statistics.quantiles(timings, n=100, method="inclusive")[98]
    print(
        f"SUMMARY triage default_train_s={train_seconds:.1f} jobs={len(timings)} "
        f"p50_ms={statistics.median(timings):.1f} p99_ms={p99:.1f} recategorised={moved}"
    )


if __name__ == "__main__":
    main()
