#!/usr/bin/env python
"""Live chat load: N concurrent WebSocket chats against two uvicorn processes (Redis layer).

For each N in --steps: N guest conversations are prepared in the database, N sockets connect
(a real client library, `websockets`), then every chat sends a message every --interval seconds
for --duration seconds. Measured per message:
- round trip: send -> the server's broadcast of that same message back to the sender (stored,
  numbered, committed, fanned out through Redis);
- bot reply: send -> the assistant's answer to it.
- CPU per message sent, by part: the server processes, PostgreSQL's backends for the bench
  database, Redis (the whole server, shared) and this client.
Results: one JSON line per step under bench/results/, and a Markdown table on stdout.

    .venv/bin/python bench/chat_ws.py --steps 100,500,1000,2000,5000 --duration 30

Needs PostgreSQL (--database-url, default the chat database `chatdb`) and Redis (--redis-url,
default db 4); the server processes listen on --base-port and the ports after it (default 8311
and up). Every step is bounded (--duration plus connect time, at most 60 s of traffic); the
server processes are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE_PORT = 8311


def server_ports(processes: int, base: int = BASE_PORT) -> tuple[int, ...]:
    """One port per server process, from `base` up (engineers sharing a machine pick theirs)."""
    return tuple(range(base, base + processes))


# What the chats say: small talk the assistant answers from its intent model, and questions
# it answers from the seeded help-centre article.
MESSAGES = ("hello", "thanks", "hi there", "你好", "谢谢")


@dataclass
class StepResult:
    chats: int
    connected: int
    connect_seconds: float
    sent: int
    round_trips: int
    bot_replies: int
    errors: int
    rtt_p50_ms: float
    rtt_p99_ms: float
    bot_p50_ms: float
    bot_p99_ms: float
    duration_s: float
    # CPU seconds spent during the traffic phase, per message sent, in milliseconds.
    cpu_ms_per_msg: dict[str, float] = field(default_factory=dict)
    load_average: float = 0.0
    notes: list[str] = field(default_factory=list)


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def environment(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "bench-chat-secret-key-" + "x" * 40,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The bench sends one message per chat every few seconds: well inside the limits,
        # but one client process shares them, so they must not count it as one person.
        "CHAT_RATE_PER_MINUTE": "1000",
        "DB_POOL_MAX": str(args.pool),
    }
    env.pop("BEACON_TESTING", None)
    return env


def prepare_database(env: dict[str, str]) -> None:
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "beacon.cli", "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
    import django

    django.setup()


def make_chats(count: int) -> list[tuple[str, str]]:
    """`count` guest conversations with their session tokens (public id, token)."""
    from beacon.chat.identity import Identity, session_token
    from beacon.chat.models import Conversation

    rows = [Conversation(guest_key=f"bench-{time.time_ns()}-{n}") for n in range(count)]
    Conversation.objects.bulk_create(rows, batch_size=1000)
    return [
        (row.public_id, session_token(Identity(guest_key=row.guest_key)))
        for row in rows
    ]


def clear_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()  # our own db number only


def start_servers(
    env: dict[str, str], args: argparse.Namespace
) -> list[subprocess.Popen[bytes]]:
    servers = []
    for port in server_ports(args.processes, args.base_port):
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "beacon.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--ws",
                    args.ws,
                    "--ws-per-message-deflate",
                    "true" if args.deflate else "false",
                    "--log-level",
                    "warning",
                    "--no-access-log",
                    "--lifespan",
                    "off",
                    "--ws-ping-interval",
                    "60",
                    "--backlog",
                    "4096",
                ],
                env=env,
                cwd=ROOT,
            )
        )
    deadline = time.monotonic() + 90
    for port in server_ports(args.processes, args.base_port):
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ):  # our own server
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    return servers


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU used by each part of the set-up between `start` and `stop`: the server processes,
    PostgreSQL's backends for the bench database, Redis (the whole server: it is shared, so
    this includes the neighbours' commands) and this client process."""

    def __init__(self, servers: list[int], database_url: str, redis_url: str) -> None:
        self.servers = servers
        self.database_url = database_url
        self.redis_url = redis_url
        self.begin: dict[str, float] = {}
        self.backends: dict[int, float] = {}

    def _postgres_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        return [int(row[0]) for row in rows]

    def _redis(self) -> float:
        import redis

        info = redis.Redis.from_url(self.redis_url).info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])

    def _client(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def start(self) -> None:
        self.begin = {
            "server": sum(process_cpu(pid) for pid in self.servers),
            "redis": self._redis(),
            "client": self._client(),
        }
        self.backends = {pid: process_cpu(pid) for pid in self._postgres_pids()}

    def stop(self, messages: int) -> dict[str, float]:
        used = {
            "server": sum(process_cpu(pid) for pid in self.servers)
            - self.begin["server"],
            "redis": self._redis() - self.begin["redis"],
            "client": self._client() - self.begin["client"],
            # Backends that started during the step count from zero; ones that ended are lost.
            "postgres": sum(
                process_cpu(pid) - self.backends.get(pid, 0.0)
                for pid in self._postgres_pids()
            ),
        }
        count = max(1, messages)
        per = {name: round(seconds * 1000 / count, 2) for name, seconds in used.items()}
        per["total"] = round(sum(per.values()), 2)
        return per


class Chat:
    """One customer's socket: sends, and matches what comes back to what it sent."""

    def __init__(self, public_id: str, token: str, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/chat/{public_id}/?session={token}"
        self.origin = f"http://127.0.0.1:{port}"
        self.sent: dict[str, float] = {}
        self.waiting_bot: list[tuple[int, float]] = []
        self.rtt: list[float] = []
        self.bot: list[float] = []
        self.errors = 0
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        import websockets
        from websockets.typing import Origin

        self.ws = await websockets.connect(
            self.url,
            origin=Origin(self.origin),
            open_timeout=30,
            ping_interval=None,
            max_queue=64,
        )
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                now = time.perf_counter()
                if frame["type"] == "message":
                    started = self.sent.pop(frame.get("id") or "", None)
                    if started is not None:
                        self.rtt.append((now - started) * 1000)
                        self.waiting_bot.append((frame["seq"], started))
                    elif frame["sender"] == "bot" and self.waiting_bot:
                        _seq, asked = self.waiting_bot.pop(0)
                        self.bot.append((now - asked) * 1000)
                elif frame["type"] == "error":
                    self.errors += 1
        except websockets.ConnectionClosed:
            return

    async def say(self, number: int) -> None:
        message_id = f"b{number}-{random.getrandbits(40):x}"  # not security
        self.sent[message_id] = time.perf_counter()
        await self.ws.send(
            json.dumps(
                {"type": "send", "id": message_id, "body": random.choice(MESSAGES)}
            )
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()


async def run_step(
    chats: list[tuple[str, str]],
    args: argparse.Namespace,
    meter: CpuMeter | None = None,
) -> StepResult:
    ports = server_ports(args.processes, args.base_port)
    clients = [
        Chat(pid, token, ports[n % len(ports)]) for n, (pid, token) in enumerate(chats)
    ]
    notes: list[str] = []
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def open_one(client: Chat) -> bool:
        async with gate:
            try:
                await client.open()
            except (OSError, TimeoutError, Exception) as exc:  # any failure counts
                if len(notes) < 3:
                    notes.append(f"connect: {type(exc).__name__}: {exc}"[:200])
                return False
        return True

    started = time.perf_counter()
    opened = await asyncio.gather(*(open_one(c) for c in clients))
    connect_seconds = time.perf_counter() - started
    live = [c for c, ok in zip(clients, opened, strict=True) if ok]
    await asyncio.sleep(2)  # let the replayed greetings drain

    sent = 0
    if meter is not None:
        meter.start()
    traffic_started = time.perf_counter()
    duration = min(args.duration, 60)

    async def talk(client: Chat, offset: float) -> int:
        count = 0
        await asyncio.sleep(offset)
        while time.perf_counter() - traffic_started < duration:
            try:
                await client.say(count)
            except Exception:  # a dropped socket stops this chat
                client.errors += 1
                return count
            count += 1
            left = duration - (time.perf_counter() - traffic_started)
            await asyncio.sleep(max(0.0, min(args.interval, left)))
        return count

    counts = await asyncio.gather(
        *(talk(c, random.uniform(0, args.interval)) for c in live)
    )
    sent = sum(counts)
    await asyncio.sleep(3)  # answers still in flight
    elapsed = time.perf_counter() - traffic_started
    cpu = meter.stop(sent) if meter is not None else {}
    load = os.getloadavg()[0]
    await asyncio.gather(*(c.close() for c in live), return_exceptions=True)

    rtt = [v for c in live for v in c.rtt]
    bot = [v for c in live for v in c.bot]
    return StepResult(
        chats=len(chats),
        connected=len(live),
        connect_seconds=round(connect_seconds, 1),
        sent=sent,
        round_trips=len(rtt),
        bot_replies=len(bot),
        errors=sum(c.errors for c in live),
        rtt_p50_ms=round(quantile(rtt, 0.5), 1),
        rtt_p99_ms=round(quantile(rtt, 0.99), 1),
        bot_p50_ms=round(quantile(bot, 0.5), 1),
        bot_p99_ms=round(quantile(bot, 0.99), 1),
        duration_s=round(elapsed, 1),
        cpu_ms_per_msg=cpu,
        load_average=round(load, 2),
        notes=notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", default="100,500,1000,2000,5000")
    parser.add_argument(
        "--duration",
        type=float,
        default=30,
        help="seconds of traffic per step (at most 60)",
    )
    parser.add_argument(
        "--interval", type=float, default=10, help="seconds between one chat's messages"
    )
    parser.add_argument("--connect-concurrency", type=int, default=200)
    parser.add_argument(
        "--processes", type=int, default=2, help="uvicorn server processes (at most 12)"
    )
    parser.add_argument(
        "--base-port",
        type=int,
        default=BASE_PORT,
        help="port of the first server process; the others take the next ones",
    )
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="turn off permessage-deflate on the servers (uvicorn and browsers use it by default)",
    )
    parser.add_argument(
        "--ws",
        default="websockets-sansio",
        help="uvicorn's WebSocket implementation (websockets-sansio, websockets, wsproto)",
    )
    parser.add_argument(
        "--pool", type=int, default=10, help="PostgreSQL pool size per server process"
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/chatdb"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument(
        "--stop-p99-ms",
        type=float,
        default=2000,
        help="stop stepping up once round-trip p99 exceeds this",
    )
    args = parser.parse_args()

    limit = raise_fd_limit()
    data_dir = Path(tempfile.mkdtemp(prefix="beacon-chat-bench-"))
    env = environment(args, data_dir)
    prepare_database(env)
    clear_redis(args.redis_url)
    django_setup(env)
    servers = start_servers(env, args)
    meter = CpuMeter([s.pid for s in servers], args.database_url, args.redis_url)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"chat-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    results: list[StepResult] = []
    try:
        # Warm each server process (intent model, language identifier, Chinese dictionary)
        # so the first step does not measure start-up.
        for _ in range(3):
            asyncio.run(
                run_step(
                    make_chats(args.processes * 4),
                    argparse.Namespace(**{**vars(args), "duration": 3, "interval": 1}),
                )
            )
        for step in [int(s) for s in args.steps.split(",") if s]:
            chats = make_chats(step)
            result = asyncio.run(run_step(chats, args, meter))
            results.append(result)
            with out.open("a") as handle:
                handle.write(
                    json.dumps(
                        {
                            **asdict(result),
                            "fd_limit": limit,
                            "interval_s": args.interval,
                        }
                    )
                    + "\n"
                )
            sys.stderr.write(f"{json.dumps(asdict(result))}\n")
            if (
                result.rtt_p99_ms != result.rtt_p99_ms
                or result.rtt_p99_ms > args.stop_p99_ms
            ):
                break
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    sys.stdout.write(
        "| chats | connected | msgs sent | round trip p50 / p99 (ms) | bot reply p50 / p99 (ms) "
        "| errors | CPU ms/msg: server / PostgreSQL / Redis / client (total) | load |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for r in results:
        c = r.cpu_ms_per_msg
        sys.stdout.write(
            f"| {r.chats} | {r.connected} | {r.sent} | {r.rtt_p50_ms} / {r.rtt_p99_ms} | "
            f"{r.bot_p50_ms} / {r.bot_p99_ms} | {r.errors} | "
            f"{c.get('server')} / {c.get('postgres')} / {c.get('redis')} / "
            f"{c.get('client')} ({c.get('total')}) | {r.load_average} |\n"
        )
    sys.stdout.write(f"results: {out}\n")


if __name__ == "__main__":
    main()
