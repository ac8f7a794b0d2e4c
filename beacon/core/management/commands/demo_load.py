"""`beacon demo_load`: fill the database with demo people and tickets (safe to run twice)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from beacon.core.demo.loader import demo_logins, load_demo
from beacon.core.demo.people import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load demo customers, staff, macros, 300+ tickets and live chats in English and Chinese. Running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=2025,
            help="Random seed: the same seed gives the same demo.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        summary = load_demo(
            seed=options["seed"],
            progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        if summary.already_loaded and summary.chats_created:
            self.stdout.write(
                f"Demo data is already loaded; added {summary.chats_created} live chats."
            )
        elif summary.already_loaded:
            self.stdout.write("Demo data is already loaded; nothing was added.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded in {time.monotonic() - started:.1f}s: {summary.tickets_created} tickets, "
                    f"{summary.chats_created} live chats, "
                    f"{summary.customers} customers, {summary.staff} support staff, {summary.macros} macros."
                )
            )
        write_demo_logins(self)


def write_demo_logins(command: BaseCommand) -> None:
    """The demo sign-ins, shared with `beacon serve`."""
    command.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
    for login in demo_logins():
        command.stdout.write(f"  {login.role:<30} {login.email}")
    command.stdout.write(
        "  every agent: agent.<name>@beacon.local (see Admin > Users); every customer: <name>@example.com"
    )
