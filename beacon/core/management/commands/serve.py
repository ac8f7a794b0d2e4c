"""`beacon serve`: run Beacon in production mode (uvicorn), optionally with the job worker.

The command prepares the database and static files, then supervises its children: the ASGI
server and, with --with-worker, the Huey consumer. SIGINT/SIGTERM are passed on to them, and
when either child stops the other is stopped too, so a process manager sees one service.

Without REDIS_URL the channel layer lives inside each process, so a realtime event sent by a
job in the worker process (or by another web worker) does not reach browsers connected to
this one; set REDIS_URL when that matters (see docs/architecture.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from beacon.core.env import env_bool, env_int, env_str

GRACE_SECONDS = 20


@dataclass(frozen=True)
class ServeConfig:
    host: str
    port: int
    workers: int
    with_worker: bool
    log_level: str = "info"
    # WebSocket per-message compression (permessage-deflate): off unless asked for.
    ws_deflate: bool = False

    @property
    def base_url(self) -> str:
        # 0.0.0.0 / :: listen everywhere; a browser on this machine reaches them as localhost.
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 (only compared, never bound)
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}"


@dataclass(frozen=True)
class Child:
    name: str
    argv: list[str]


def resolve_config(
    *,
    port: int | None,
    host: str | None,
    workers: int,
    with_worker: bool,
    ws_deflate: bool | None = None,
) -> ServeConfig:
    """Options win over the environment (PORT, HOST, WS_PER_MESSAGE_DEFLATE); bad values stop
    with a clear message."""
    resolved_port = port if port is not None else env_int("PORT", 8000, minimum=1)
    if not 1 <= resolved_port <= 65_535:
        raise CommandError(
            f"Port {resolved_port} is out of range: use a number from 1 to 65535."
        )
    if workers < 1:
        raise CommandError("--workers must be at least 1.")
    resolved_host = host or env_str("HOST", "127.0.0.1") or "127.0.0.1"
    return ServeConfig(
        host=resolved_host,
        port=resolved_port,
        workers=workers,
        with_worker=with_worker,
        log_level=settings.LOG_LEVEL.lower(),
        ws_deflate=(
            ws_deflate
            if ws_deflate is not None
            else env_bool("WS_PER_MESSAGE_DEFLATE", default=False)
        ),
    )


def web_command(config: ServeConfig) -> list[str]:
    """uvicorn serving beacon.asgi (HTTP and WebSockets) with the interpreter running this command."""
    return [
        sys.executable,
        # WhiteNoise serves static files through synchronous file iterators, which Django's ASGI
        # handler warns about on first use; for small static files that is expected, not a bug.
        "-W",
        "ignore:StreamingHttpResponse must consume synchronous iterators:Warning",
        "-m",
        "uvicorn",
        "beacon.asgi:application",
        "--host",
        config.host,
        "--port",
        str(config.port),
        "--workers",
        str(config.workers),
        # Django's ASGI handler does not implement the lifespan protocol.
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        "10",
        "--no-server-header",
        # Chat frames are short: compressing each costs more CPU than it saves on the wire
        # (at 3,000 chats p99 378 -> 174 ms, server CPU 11.6 -> 8.0 ms per message), so it is
        # off unless WS_PER_MESSAGE_DEFLATE / --ws-deflate asks for it (slow mobile links).
        "--ws-per-message-deflate",
        "true" if config.ws_deflate else "false",
        "--log-level",
        config.log_level
        if config.log_level in ("critical", "error", "warning", "info", "debug")
        else "info",
    ]


def worker_command() -> list[str]:
    """The Huey consumer, through the same `beacon` entry point and interpreter."""
    return [sys.executable, "-m", "beacon.cli", "run_huey"]


def child_commands(config: ServeConfig) -> list[Child]:
    children = [Child("web", web_command(config))]
    if config.with_worker:
        children.append(Child("worker", worker_command()))
    return children


def child_environment(
    config: ServeConfig, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
    # Children compute BASE_URL (links in emails) from PORT, so they must see the real one.
    env["PORT"] = str(config.port)
    env["HOST"] = config.host
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Supervisor:
    """Starts children, passes stop signals on to them, and stops them all when one exits.

    A stop signal (SIGINT or SIGTERM) reaches each child as SIGINT: uvicorn and Huey both treat
    SIGINT as "finish what you are doing, then exit" (Huey treats SIGTERM as "stop at once").
    A second signal, or a child still running after GRACE_SECONDS, gets SIGKILL.
    """

    def __init__(
        self,
        children: list[Child],
        *,
        env: Mapping[str, str],
        log: Callable[[str], None],
        poll_seconds: float = 0.2,
    ) -> None:
        self.children = children
        self.env = dict(env)
        self.log = log
        self.poll_seconds = poll_seconds
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_signal: int | None = None

    def handle_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
            self.log(
                f"Received {signal.Signals(signum).name}; stopping gracefully (send it again to stop at once)."
            )
            self._send(signal.SIGINT)
        else:
            self._send(signal.SIGKILL)

    def _send(self, signum: int) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signum)

    def run(self) -> int:
        """Run until a child exits or a stop signal arrives; the exit status to report."""
        previous = {
            signum: signal.getsignal(signum)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        for signum in previous:
            signal.signal(signum, self.handle_signal)
        try:
            for child in self.children:
                # Own process group: a Ctrl-C in the terminal reaches only this process, which
                # passes it on once (uvicorn treats a second SIGINT as "exit without draining").
                self.processes[child.name] = subprocess.Popen(  # noqa: S603 (argv built here, no shell)
                    child.argv, env=self.env, process_group=0
                )
                if self.stop_signal is not None:
                    self._send(signal.SIGINT)  # a signal arrived while starting
            name, code = self._wait_for_first_exit()
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if self.stop_signal is not None:
            return 0
        self.log(
            f"The {name} process exited with status {code}; the others were stopped."
        )
        return code or 1

    def _wait_for_first_exit(self) -> tuple[str, int]:
        while True:
            for name, process in self.processes.items():
                code = process.poll()
                if code is not None:
                    return name, code
            time.sleep(self.poll_seconds)

    def _stop_all(self) -> None:
        if self.stop_signal is None:
            self._send(signal.SIGINT)
        deadline = time.monotonic() + GRACE_SECONDS
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(
                    f"The {name} process did not stop within {GRACE_SECONDS}s; killing it."
                )
                process.kill()
                process.wait()


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = "Run Beacon with a production ASGI server (uvicorn); --with-worker also runs the background job worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run the Huey job worker (emails, triage, intake).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Number of web server processes (default 1).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="Port to listen on (default: $PORT or 8000).",
        )
        parser.add_argument(
            "--host",
            default=None,
            help="Address to listen on (default: $HOST or 127.0.0.1).",
        )
        parser.add_argument(
            "--ws-deflate",
            action="store_true",
            default=None,
            help="Compress WebSocket messages (permessage-deflate; default: $WS_PER_MESSAGE_DEFLATE or off).",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="Refuse to start if migrations are pending instead of applying them.",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Skip copying static files to DATA_DIR/static.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = resolve_config(
            port=options["port"],
            host=options["host"],
            workers=options["workers"],
            with_worker=options["with_worker"],
            ws_deflate=options["ws_deflate"],
        )
        self._prepare_database(apply=not options["no_migrate"])
        self._prepare_triage()
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self._announce(config)
        # Children open their own connections; a shared SQLite handle must not cross fork/exec.
        connections.close_all()
        code = Supervisor(
            child_commands(config), env=child_environment(config), log=self.stdout.write
        ).run()
        if code != 0:
            raise CommandError(
                "Beacon stopped because a process failed (see the log above).",
                returncode=code,
            )

    def _prepare_database(self, *, apply: bool) -> None:
        pending = pending_migrations()
        if not pending:
            return
        if not apply:
            raise CommandError(
                f"{len(pending)} database migrations are not applied ({', '.join(pending[:3])}…). Run `beacon migrate` first."
            )
        self.stdout.write(f"Applying {len(pending)} database migrations…")
        call_command("migrate", interactive=False, verbosity=0)

    def _prepare_triage(self) -> None:
        """Train the default triage models on first start (seconds; later starts find them)."""
        if not settings.TRIAGE_ENABLED:
            return
        from beacon.triage.models import ModelStatus, ModelVersion
        from beacon.triage.training import ensure_defaults

        if ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() >= 2:
            return
        self.stdout.write("Training the default triage models (first start)…")
        for version in ensure_defaults():
            self.stdout.write(f"  {version}: {version.training_size} examples")

    def _announce(self, config: ServeConfig) -> None:
        from beacon.core.demo.loader import is_loaded
        from beacon.core.management.commands.demo_load import write_demo_logins

        base = config.base_url
        self.stdout.write(self.style.SUCCESS(f"Beacon is starting on {base}"))
        for label, path in (
            ("Customer portal", "/"),
            ("Agent console", "/console/"),
            ("Admin", "/admin/"),
            ("API docs", "/api/v1/docs"),
            ("Health check", "/healthz"),
        ):
            self.stdout.write(f"  {label:<16} {base}{path}")
        if config.with_worker:
            self.stdout.write(
                "Background worker: running (emails, triage and intake jobs)."
            )
        else:
            self.stdout.write(
                "Background worker: not started; jobs wait until `beacon run_huey` runs (or use --with-worker)."
            )
        if config.workers > 1 and not settings.REDIS_URL:
            self.stdout.write(
                self.style.WARNING(
                    "Several web workers without REDIS_URL: live updates reach only browsers connected to the same worker. Set REDIS_URL to share them."
                )
            )
        if is_loaded():
            write_demo_logins(self)
        self.stdout.write("Press Ctrl-C to stop.")
