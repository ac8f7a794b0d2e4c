"""`beacon serve`: options, the child processes it starts, and how it supervises them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from beacon.core.management.commands import serve
from beacon.core.management.commands.serve import (
    Child,
    ServeConfig,
    Supervisor,
    child_commands,
    child_environment,
    resolve_config,
    web_command,
)

# Exits cleanly on SIGINT once started (the crashing child below waits a second for that).
SLEEPER = "import signal, sys, time; signal.signal(signal.SIGINT, lambda *a: sys.exit(0)); time.sleep(60)"


def _config(**overrides: Any) -> ServeConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 1,
        "with_worker": False,
    }
    values.update(overrides)
    return ServeConfig(**values)


# --- options ---------------------------------------------------------------------------------


def test_defaults_are_localhost_and_port_8000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("HOST", raising=False)

    config = resolve_config(port=None, host=None, workers=1, with_worker=False)

    assert (config.host, config.port) == ("127.0.0.1", 8000)


def test_port_and_host_come_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("HOST", "0.0.0.0")

    from_env = resolve_config(port=None, host=None, workers=1, with_worker=False)
    from_options = resolve_config(
        port=9100, host="127.0.0.2", workers=1, with_worker=False
    )

    assert (from_env.host, from_env.port) == ("0.0.0.0", 9001)
    assert from_env.base_url == "http://127.0.0.1:9001"
    assert (from_options.host, from_options.port) == ("127.0.0.2", 9100)


def test_a_bad_port_variable_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "eighty")

    with pytest.raises(ImproperlyConfigured, match="PORT"):
        resolve_config(port=None, host=None, workers=1, with_worker=False)


@pytest.mark.parametrize(("port", "workers"), [(0, 1), (70_000, 1), (8000, 0)])
def test_out_of_range_port_or_workers_are_refused(port: int, workers: int) -> None:
    with pytest.raises(CommandError):
        resolve_config(port=port, host=None, workers=workers, with_worker=False)


def test_ipv6_hosts_are_bracketed_in_urls() -> None:
    assert _config(host="::1").base_url == "http://[::1]:8123"


# --- child commands --------------------------------------------------------------------------


def test_web_child_is_uvicorn_on_the_asgi_app_with_this_interpreter() -> None:
    argv = web_command(_config(port=8123, workers=3))

    assert argv[0] == sys.executable
    assert argv[argv.index("-m") + 1 : argv.index("-m") + 3] == [
        "uvicorn",
        "beacon.asgi:application",
    ]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8123"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--lifespan") + 1] == "off"


def test_websocket_compression_is_off_unless_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Per-message compression of short chat frames costs more CPU than it saves.
    monkeypatch.delenv("WS_PER_MESSAGE_DEFLATE", raising=False)
    default = resolve_config(port=None, host=None, workers=1, with_worker=False)
    monkeypatch.setenv("WS_PER_MESSAGE_DEFLATE", "true")
    from_env = resolve_config(port=None, host=None, workers=1, with_worker=False)
    from_option = resolve_config(
        port=None, host=None, workers=1, with_worker=False, ws_deflate=False
    )

    def deflate(config: ServeConfig) -> str:
        argv = web_command(config)
        return argv[argv.index("--ws-per-message-deflate") + 1]

    assert deflate(default) == "false"
    assert deflate(from_env) == "true"
    assert deflate(from_option) == "false"


# One `serve` per test: it closes the database connections before starting its children, and
# a test's transaction (PostgreSQL) cannot open a new one afterwards.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "expected"), [((), "false"), (("--ws-deflate",), "true")]
)
def test_the_deflate_option_reaches_uvicorn(
    monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...], expected: str
) -> None:
    monkeypatch.delenv("WS_PER_MESSAGE_DEFLATE", raising=False)
    started: list[list[str]] = []

    def fake_run(self: Supervisor) -> int:
        started.append(self.children[0].argv)
        return 0

    monkeypatch.setattr(Supervisor, "run", fake_run)

    call_command("serve", "--no-collectstatic", *options, stdout=StringIO())

    (argv,) = started
    assert argv[argv.index("--ws-per-message-deflate") + 1] == expected


def test_worker_child_is_started_only_with_the_flag() -> None:
    without = child_commands(_config(with_worker=False))
    with_worker = child_commands(_config(with_worker=True))

    assert [child.name for child in without] == ["web"]
    assert [child.name for child in with_worker] == ["web", "worker"]
    assert with_worker[1].argv == [sys.executable, "-m", "beacon.cli", "run_huey"]


def test_children_see_the_chosen_port_so_links_use_it() -> None:
    env = child_environment(
        _config(port=8123), base={"PATH": "/usr/bin", "PORT": "8000"}
    )

    assert env["PORT"] == "8123"
    assert env["DJANGO_SETTINGS_MODULE"] == "beacon.settings"
    assert env["PATH"] == "/usr/bin"


@pytest.mark.django_db
def test_command_prints_the_urls_and_supervises_web_and_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[Child]] = []

    def fake_run(self: Supervisor) -> int:
        started.append(self.children)
        return 0

    monkeypatch.setattr(Supervisor, "run", fake_run)
    out = StringIO()

    call_command(
        "serve", "--with-worker", "--port", "8123", "--no-collectstatic", stdout=out
    )

    assert [child.name for child in started[0]] == ["web", "worker"]
    text = out.getvalue()
    for path in ("/console/", "/admin/", "/api/v1/docs", "/healthz"):
        assert f"http://127.0.0.1:8123{path}" in text


@pytest.mark.django_db
def test_command_exits_with_the_failing_childs_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Supervisor, "run", lambda self: 3)

    with pytest.raises(CommandError) as raised:
        call_command("serve", "--no-collectstatic", stdout=StringIO())

    assert raised.value.returncode == 3


@pytest.mark.django_db
def test_no_migrate_refuses_to_start_with_pending_migrations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve, "pending_migrations", lambda: ["tickets.0099_future"])
    monkeypatch.setattr(Supervisor, "run", lambda self: pytest.fail("must not start"))

    with pytest.raises(CommandError, match="beacon migrate"):
        call_command("serve", "--no-migrate", "--no-collectstatic", stdout=StringIO())


# --- supervision (real child processes, no server) -------------------------------------------


def test_when_one_child_exits_the_others_are_stopped_and_its_status_reported() -> None:
    children = [
        Child(
            "crash",
            [sys.executable, "-c", "import sys, time; time.sleep(1); sys.exit(3)"],
        ),
        Child("steady", [sys.executable, "-c", SLEEPER]),
    ]
    supervisor = Supervisor(
        children, env=os.environ, log=lambda line: None, poll_seconds=0.05
    )

    started = time.monotonic()
    code = supervisor.run()

    assert code == 3
    assert (
        supervisor.processes["steady"].returncode == 0
    )  # stopped with SIGINT, exited cleanly
    assert time.monotonic() - started < 10


def test_a_stop_signal_is_passed_on_and_handlers_are_restored() -> None:
    children = [
        Child("a", [sys.executable, "-c", SLEEPER]),
        Child("b", [sys.executable, "-c", SLEEPER]),
    ]
    lines: list[str] = []
    supervisor = Supervisor(
        children, env=os.environ, log=lines.append, poll_seconds=0.05
    )
    before = signal.getsignal(signal.SIGTERM)

    def signal_when_supervised() -> None:
        # Only while the supervisor's handler is installed, so the test runner itself is never killed.
        if signal.getsignal(signal.SIGTERM) == supervisor.handle_signal:
            os.kill(os.getpid(), signal.SIGTERM)

    timer = threading.Timer(1.0, signal_when_supervised)

    timer.start()
    code = supervisor.run()
    timer.join()

    assert code == 0
    assert all(process.returncode == 0 for process in supervisor.processes.values())
    assert any("SIGTERM" in line for line in lines)
    assert signal.getsignal(signal.SIGTERM) == before


# --- the real thing --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.live
def test_serve_answers_health_and_static_files_then_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DEBUG": "false", "PORT": str(port)}
    env.pop("BEACON_TESTING", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "beacon.cli", "serve", "--with-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, (
                    process.stdout.read().decode() if process.stdout else ""
                )
                time.sleep(0.5)
        assert health is not None and health.status_code == 200
        assert health.json() == {"status": "ok"}
        css = httpx.get(f"{base}/static/css/beacon.css", timeout=5)
        admin_css = httpx.get(f"{base}/static/admin/css/base.css", timeout=5)
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
        assert admin_css.status_code == 200

        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    output = process.stdout.read().decode() if process.stdout else ""
    assert code == 0, output
    assert f"{base}/admin/" in output
