#!/usr/bin/env bash
# Start/stop Beacon's production server for the benchmark, on loopback only.
#
#   DATA_DIR=/tmp/beacon-bench/sqlite PORT=8766 bash bench/serve.sh start|stop|status
#
# Uses `beacon serve --workers N` when that command exists, else uvicorn with the flags it uses
# (--workers N --no-access-log --lifespan off). WORKERS defaults to 2, the peer's process count.
# ASGI_APP=module:app serves that app with uvicorn instead (an experiment, e.g. bench/asgi_gated.py).
# The PID file and log live in $DATA_DIR/bench/. DATABASE_URL, when set, is passed through.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DATA_DIR:?set DATA_DIR to the benchmark data directory}"
PORT="${PORT:-8766}"
WORKERS="${WORKERS:-2}"
VENV="${VENV:-$REPO/.venv}"
RUN_DIR="$DATA_DIR/bench"
PIDFILE="$RUN_DIR/server.pid"
LOG="$RUN_DIR/server.log"
export DATA_DIR PORT DEBUG=0 LOG_LEVEL="${LOG_LEVEL:-WARNING}"
mkdir -p "$RUN_DIR"

is_running() { [[ -s "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# The server and all its descendants (beacon serve -> uvicorn -> workers), for CPU accounting.
tree() { local p; echo "$1"; for p in $(pgrep -P "$1" || true); do tree "$p"; done; }

start() {
  if is_running; then echo "[serve] already running pid $(cat "$PIDFILE")"; return 0; fi
  cd "$REPO"
  local how
  if [[ -n "${ASGI_APP:-}" ]]; then
    # An experiment's ASGI app (bench/asgi_gated.py); the database must be migrated already.
    how="uvicorn $ASGI_APP"
    setsid "$VENV/bin/uvicorn" "$ASGI_APP" --host 127.0.0.1 --port "$PORT" \
      --workers "$WORKERS" --no-access-log --lifespan off >"$LOG" 2>&1 &
  elif "$VENV/bin/beacon" help serve 2>/dev/null | grep -q -- "--workers"; then
    how="beacon serve"
    setsid "$VENV/bin/beacon" serve --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" >"$LOG" 2>&1 &
  else
    how="uvicorn"
    setsid "$VENV/bin/uvicorn" beacon.asgi:application --host 127.0.0.1 --port "$PORT" \
      --workers "$WORKERS" --no-access-log --lifespan off >"$LOG" 2>&1 &
  fi
  echo $! >"$PIDFILE"
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
      echo "[serve] up on http://127.0.0.1:$PORT pid $(cat "$PIDFILE") via $how workers=$WORKERS db=${DATABASE_URL:+postgresql}${DATABASE_URL:-sqlite}"
      return 0
    fi
    sleep 0.2
  done
  echo "[serve] did not come up; see $LOG" >&2
  tail -n 30 "$LOG" >&2
  stop
  return 1
}

stop() {
  if is_running; then
    local pid; pid="$(cat "$PIDFILE")"
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; fi
    echo "[serve] stopped pid $pid"
  else
    echo "[serve] not running"
  fi
  rm -f "$PIDFILE"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if is_running; then echo "running pid $(cat "$PIDFILE")"; else echo "stopped"; exit 1; fi ;;
  pids) if is_running; then tree "$(cat "$PIDFILE")" | tr '\n' ' '; echo; fi ;;
  *) echo "usage: $0 start|stop|status|restart|pids" >&2; exit 2 ;;
esac
