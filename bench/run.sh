#!/usr/bin/env bash
# Benchmark Beacon against the django-helpdesk peer in one run, on this machine, over loopback.
#
#   bash bench/run.sh [beacon-sqlite] [peer] [beacon-postgres] [beacon-sqlite-gated]
#                                  (default: the first three, in this order; the last is an experiment)
#
# Each target: prepare data (50,000 tickets), start the server with 2 processes, run the peer's
# bench.sh with the same scenarios (plus Beacon-only ones), stop the server. At the end the
# side-by-side table and the targets are printed and written to $OUT/summary.md. See bench/README.md.
#
# Knobs: TICKETS (50000), DURATION (10 s per point), CREATE_CONC ("1 16 64"), READ_CONC ("1 16"),
#   SEARCH_WORD (withdrawal), BENCH_ROOT (/tmp/beacon-bench: data directories), OUT
#   (bench/results/<timestamp>), PEERS_DIR (../shared/peers/django-helpdesk beside the repo),
#   PEER_PYTHON (/root/.pyenv/versions/3.12.1/bin/python3.12), PG_URL
#   (postgres://postgres@127.0.0.1:5432: a scratch database is created there and dropped),
#   QUIET_MAX_PCT (15) / QUIET_WAIT_S (30): how long each point waits for other load to settle,
#   REUSE=1: keep an existing SQLite data directory (faster; it holds the earlier runs' tickets too),
#   FLOOR=0: leave out the two serving-floor points (GET /healthz and /api/v1/me at 16 connections),
#   PEER_HOME (/tmp/peers/django-helpdesk): where the peer is installed (its scripts' PEER_DIR).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"
PY="${VENV:-$REPO/.venv}/bin/python"
PEERS_DIR="${PEERS_DIR:-$(cd "$REPO/.." && pwd)/shared/peers/django-helpdesk}"
PEER_PYTHON="${PEER_PYTHON:-/root/.pyenv/versions/3.12.1/bin/python3.12}"
TICKETS="${TICKETS:-50000}"
CREATE_CONC="${CREATE_CONC:-1 16 64}"
READ_CONC="${READ_CONC:-1 16}"
SEARCH_WORD="${SEARCH_WORD:-withdrawal}"
BENCH_ROOT="${BENCH_ROOT:-/tmp/beacon-bench}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PEER_HOME="${PEER_HOME:-/tmp/peers/django-helpdesk}"
OUT="${OUT:-$BENCH/results/$(date +%Y%m%d-%H%M%S)}"
export RESULTS="$OUT/results.jsonl"
export DURATION="${DURATION:-10}" QUIET_MAX_PCT="${QUIET_MAX_PCT:-15}" QUIET_WAIT_S="${QUIET_WAIT_S:-30}"
export MAX_REQUESTS="${MAX_REQUESTS:-50000}"
mkdir -p "$OUT" "$BENCH_ROOT"

command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 2; }
[[ -x "$PEERS_DIR/bench.sh" ]] || { echo "peer scripts not found in $PEERS_DIR (set PEERS_DIR)" >&2; exit 2; }

log() { echo "[run] $*" >&2; }

SERVING=""  # DATA_DIR of the Beacon server running now, stopped on any exit
cleanup() { if [[ -n "$SERVING" ]]; then DATA_DIR="$SERVING" bash "$BENCH/serve.sh" stop >&2 || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# A failed point is logged and the run goes on with the next one.
bench() { bash "$PEERS_DIR/bench.sh" "$@" || log "bench.sh $* failed (status $?)"; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

machine() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
    echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
    echo "kernel: $(uname -r)"
    echo "beacon python: $("$PY" --version 2>&1); sqlite $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
    echo "wrk: $(wrk -v 2>&1 | head -n1)"
    echo "git: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?') (working tree may differ)"
  } | tee "$OUT/machine.txt" >&2
}

# expect STATUS METHOD PATH [curl args...]: fail unless the path answers with STATUS.
expect() {
  local want="$1" method="$2" path="$3"; shift 3
  local got; got="$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" "$BASE_URL$path" || echo 000)"
  if [[ "$got" != "$want" ]]; then log "preflight: $method $path answered $got, not $want"; return 1; fi
}

beacon_target() {  # beacon_target LABEL [DATA_DIR name]
  local label="$1"
  export DATA_DIR="$BENCH_ROOT/${2:-$label}"
  log "$label: preparing $DATA_DIR ($TICKETS tickets)"
  # Explicit checks: this function also runs where `set -e` is off (after `||`).
  "$PY" "$BENCH/beacon_tools.py" prepare --tickets "$TICKETS" | tee "$OUT/$label-prepare.json" >&2 \
    || { log "$label: prepare failed"; return 1; }
  local port; port="$(free_port)"
  export PORT="$port" BASE_URL="http://127.0.0.1:$port"
  SERVING="$DATA_DIR"
  bash "$BENCH/serve.sh" start >&2 || { log "$label: server did not start"; SERVING=""; return 1; }
  local creds="$DATA_DIR/bench" token cookie category customer
  token="$(cat "$creds/api_token")"; cookie="$(cat "$creds/session_cookie")"
  category="$(cat "$creds/category")"; customer="$(cat "$creds/customer_email")"

  export PEER_DIR="$DATA_DIR/bench" LABEL="$label" PROBE_PATH=/healthz
  export AUTH_HEADER="Authorization: Bearer $token" COOKIE="$cookie"
  export COUNT_CMD="$PY $BENCH/beacon_tools.py count" TITLES_CMD="$PY $BENCH/beacon_tools.py titles"
  export SERVER_PIDS_CMD="bash $BENCH/serve.sh pids"
  export CREATE_API_PATH=/api/v1/tickets
  export CREATE_API_BODY="{\"subject\":\"[__N__] Withdrawal of 0.5 BTC pending\",\"description\":\"Bench ticket __N__: my withdrawal has been pending for 3 hours.\",\"category\":\"$category\",\"customer_email\":\"$customer\"}"
  export LIST_UI_PATH=/console/ SEARCH_UI_PATH="/console/?q=$SEARCH_WORD" LIST_API_PATH=/api/v1/tickets

  local create_ok=1 console_ok=1 api_ok=1
  expect 201 POST "$CREATE_API_PATH" -H "$AUTH_HEADER" -H 'Content-Type: application/json' \
    --data "${CREATE_API_BODY//__N__/preflight}" || create_ok=0
  expect 200 GET "$LIST_UI_PATH" -H "Cookie: $COOKIE" && expect 200 GET "$SEARCH_UI_PATH" -H "Cookie: $COOKIE" || console_ok=0
  expect 200 GET "$LIST_API_PATH" -H "$AUTH_HEADER" && expect 200 GET "$LIST_API_PATH?q=$SEARCH_WORD" -H "$AUTH_HEADER" || api_ok=0

  if (( create_ok )); then
    CONCURRENCY="$CREATE_CONC" bench create-api | tee -a "$OUT/$label.log"
    for c in $CREATE_CONC; do
      "$PY" "$BENCH/wrk_run.py" create-api-idem "$c" POST "$CREATE_API_PATH" "$CREATE_API_BODY" \
        --header "$AUTH_HEADER" --header 'Content-Type: application/json' --header 'Idempotency-Key: __N__' \
        --creates | tee -a "$OUT/$label.log" || log "wrk_run.py create-api-idem c=$c failed"
    done
  else
    log "$label: skipping creation (POST $CREATE_API_PATH is not answering 201)"
  fi
  # The serving floor, for scale: what the same server does for requests with no work in them,
  # at the create's concurrency of 16. /healthz: no authentication, SELECT 1. /api/v1/me: the
  # bearer token (its owner cached) through ninja, the caller's profile as JSON; a create costs
  # at least this much. FLOOR=0 leaves them out.
  if [[ "${FLOOR:-1}" == 1 ]]; then
    for what in "floor-health /healthz" "floor-me /api/v1/me"; do
      set -- $what
      "$PY" "$BENCH/wrk_run.py" "$1" 16 GET "$2" "" --header "$AUTH_HEADER" \
        | tee -a "$OUT/$label.log" || log "wrk_run.py $1 failed"
    done
  fi
  if (( console_ok )); then
    CONCURRENCY="$READ_CONC" bench list-ui search-ui | tee -a "$OUT/$label.log"
    # The same lists as the HTMX partial the console fetches when filters change or a page is
    # turned (no sidebar counts): nearer to the peer's list-ui, which fetches only the table data.
    for c in $READ_CONC; do
      for what in "list-ui-htmx $LIST_UI_PATH" "search-ui-htmx $SEARCH_UI_PATH"; do
        set -- $what
        "$PY" "$BENCH/wrk_run.py" "$1" "$c" GET "$2" "" --header "Cookie: $COOKIE" --header "HX-Request: true" \
          | tee -a "$OUT/$label.log" || log "wrk_run.py $1 c=$c failed"
      done
    done
  else
    log "$label: skipping console list/search (no 200 from /console/ with the agent's session)"
  fi
  if (( api_ok )); then
    CONCURRENCY="$READ_CONC" bench list-api | tee -a "$OUT/$label.log"
    LIST_API_PATH="/api/v1/tickets?q=$SEARCH_WORD" LABEL="$label|search-api" CONCURRENCY="$READ_CONC" \
      bench list-api | tee -a "$OUT/$label.log"
  else
    log "$label: skipping API list/search (no 200 from GET /api/v1/tickets)"
  fi
  bash "$BENCH/serve.sh" stop >&2
  SERVING=""
}

peer_target() {
  # The peer's own scripts, unchanged, in its default PEER_DIR; bench.sh's defaults target it.
  unset PEER_DIR LABEL PROBE_PATH AUTH_HEADER COOKIE COUNT_CMD TITLES_CMD SERVER_PIDS_CMD BASE_URL \
    CREATE_API_PATH CREATE_API_BODY LIST_UI_PATH SEARCH_UI_PATH LIST_API_PATH PORT DATA_DIR DATABASE_URL
  (
    cd "$PEERS_DIR"
    export PEER_DIR="$PEER_HOME"
    log "peer: setup in $PEER_DIR"
    PYTHON="$PEER_PYTHON" ./setup.sh >&2
    local dir="$PEER_DIR" have
    have="$("$dir/venv/bin/python" peer_tools.py count | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["tickets"])')"
    if (( have < TICKETS )); then
      log "peer: seeding $((TICKETS - have)) tickets"
      "$dir/venv/bin/python" peer_tools.py seed "$((TICKETS - have))" >&2
    fi
    # Its default port may be taken on a shared machine: give it a free one, like Beacon's.
    PORT="$(free_port)"; export PORT BASE_URL="http://127.0.0.1:$PORT"
    ./serve.sh start >&2
    trap './serve.sh stop >&2' EXIT
    LABEL=peer CONCURRENCY="$CREATE_CONC" bench create-api create-form | tee -a "$OUT/peer.log"
    LABEL=peer CONCURRENCY="$READ_CONC" bench list-ui search-ui | tee -a "$OUT/peer.log"
  )
}

postgres_target() {
  local db="beacon_bench_$$"
  local admin_url="$PG_URL/postgres"
  if ! "$PY" -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' "$admin_url" 2>/dev/null; then
    log "beacon-postgres: no PostgreSQL at $PG_URL; skipped"
    return 0
  fi
  sql() { "$PY" -c 'import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); c.execute(sys.argv[2]); c.close()' "$admin_url" "$1"; }
  sql "CREATE DATABASE $db"
  export DATABASE_URL="$PG_URL/$db"
  # Under ASGI every request runs in a new thread, and Django's connections are per thread: with
  # the default DB_CONN_MAX_AGE (300) each request leaves a connection open until garbage
  # collection and PostgreSQL soon refuses more ("too many clients"). 0 closes it after the request.
  export DB_CONN_MAX_AGE="${PG_CONN_MAX_AGE:-0}"
  local status=0
  beacon_target beacon-postgres || status=$?
  unset DATABASE_URL DB_CONN_MAX_AGE
  sql "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  rm -rf "${BENCH_ROOT:?}/beacon-postgres"
  return "$status"
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(beacon-sqlite peer beacon-postgres)
machine
for target in "${targets[@]}"; do
  # A target that fails is reported and the run goes on with the next one.
  case "$target" in
    beacon-sqlite)
      unset DATABASE_URL
      [[ "${REUSE:-0}" == 1 ]] || rm -rf "${BENCH_ROOT:?}/beacon-sqlite"
      beacon_target beacon-sqlite || log "beacon-sqlite failed" ;;
    beacon-postgres) postgres_target || log "beacon-postgres failed" ;;
    beacon-sqlite-gated)
      # Experiment: the same server with at most one request in flight per worker process
      # (bench/asgi_gated.py), on the beacon-sqlite data (prepared again if missing).
      unset DATABASE_URL
      ASGI_APP=bench.asgi_gated:application beacon_target beacon-sqlite-gated beacon-sqlite \
        || log "beacon-sqlite-gated failed" ;;
    peer) peer_target || log "peer failed" ;;
    *) echo "unknown target $target (beacon-sqlite, peer, beacon-postgres, beacon-sqlite-gated)" >&2; exit 2 ;;
  esac
done

"$PY" "$BENCH/summarize.py" "$RESULTS" | tee "$OUT/summary.md"
echo "results: $OUT"
