#!/usr/bin/env bash
# Fan events: a festival's opening minute (issue #22). One command:
#
#   bash bench/events.sh      # 100,000 fans, 1,000 connections, 20 s, 10,000 places
#   FANS=20000 DURATION=5s bash bench/events.sh    # a quick run
#
# For each database (SQLite, the default, then PostgreSQL) on a fresh instance:
# `canyu loadtest init`, `canyu loadtest fans` (FANS fans with API tokens), a staff account,
# `canyu serve` on loopback, one event (CAPACITY places, sign-up open, fans alone) created
# through the API; then wrk with CONNS connections (bench/events.lua: every request a
# different fan) against POST /api/v1/events/{id}/rsvps, and against /healthz of the same
# server in the same run. Every answer is given after its transaction committed (SQLite WAL;
# PostgreSQL with fsync and synchronous_commit on). After the run the database is checked:
# people in confirmed places ≤ capacity (= capacity once as many fans came), one live place per
# fan, places = the server's 201s (a request in flight when wrk stopped may commit unread), the
# waitlist's positions 1…n: PASS or FAIL. Results: bench/out/events-<database>.txt.
# CANYU_BIN=path runs that binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

FANS=${FANS:-100000}
CAPACITY=${CAPACITY:-10000}
DURATION=${DURATION:-20s}
CONNS=${CONNS:-1000}
THREADS=${THREADS:-2}
DATABASES=${DATABASES:-sqlite postgres}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
export PGOPTIONS="-c client_min_messages=warning"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -n "${CANYU_BIN:-}" ]; then
  BIN=$CANYU_BIN
else
  if [ -z "${NO_BUILD:-}" ]; then cargo build --release --locked -p canyu; fi
  BIN=$PWD/target/release/canyu
fi
mkdir -p bench/out

# shellcheck source=bench/lib.sh
source bench/lib.sh

run_one() {
  local database=$1 dir url_args=() db=""
  dir=$(mktemp -d /tmp/canyu-events-XXXXXX)
  if [ "$database" = postgres ]; then
    if ! pg_isready -q -h 127.0.0.1; then echo "postgres: not reachable, skipped"; return 0; fi
    db="canyu_bench_events_$$"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
    url_args=(--database-url "${PG_ADMIN%/*}/$db")
    query() { psql "${PG_ADMIN%/*}/$db" -qAtc "$1"; }
  else
    query() { sqlite3 "$dir/canyu.db" "$1"; }
  fi
  local out="bench/out/events-$database.txt"
  {
    echo "# canyu events benchmark: database=$database, $FANS fans, $CAPACITY places, $CONNS connections, $DURATION, $(date -u +%FT%TZ)"
    echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); wrk -t$THREADS on the same cores"
    "$BIN" --data-dir "$dir" "${url_args[@]}" loadtest init 2>/dev/null
    "$BIN" --data-dir "$dir" "${url_args[@]}" loadtest fans --count "$FANS" --out "$dir/tokens.txt"
    local password="bench-staff-$RANDOM$RANDOM"
    CANYU_USER_PASSWORD="$password" "$BIN" --data-dir "$dir" "${url_args[@]}" user create --handle bench_staff --role staff >/dev/null
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    RUST_LOG=warn "$BIN" --data-dir "$dir" "${url_args[@]}" --listen "127.0.0.1:$port" serve >"$dir/serve.log" 2>&1 &
    local pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
      kill -0 "$pid" 2>/dev/null || { echo "server died:"; cat "$dir/serve.log"; return 1; }
      sleep 0.05
    done
    local base="http://127.0.0.1:$port" staff event
    staff=$(curl -sf "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
      --data "{\"handle\":\"bench_staff\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    local now starts
    now=$(date -u +%s); starts=$((now + 7 * 86400))
    event=$(curl -sf "$base/api/v1/events" -H 'Content-Type: application/json' -H "Authorization: Bearer $staff" --data "{
      \"title\": \"米粉节 压测场\", \"kind\": \"festival\", \"city\": \"北京\", \"venue\": \"国家会议中心\",
      \"starts_at\": \"$(date -u -d @$starts +%FT%TZ)\", \"ends_at\": \"$(date -u -d @$((starts + 28800)) +%FT%TZ)\",
      \"rsvp_opens_at\": \"$(date -u -d @$((now - 60)) +%FT%TZ)\", \"rsvp_closes_at\": \"$(date -u -d @$((starts - 3600)) +%FT%TZ)\",
      \"capacity\": $CAPACITY}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    local o h
    o=$(TOKENS="$dir/tokens.txt" EVENT=$event THREADS=$THREADS \
      wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency -s bench/events.lua "$base/")
    h=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency "$base/healthz")
    local o_rps o_p50 o_p99 o_err h_rps h_p50 h_p99 h_err
    read -r o_rps o_p50 o_p99 o_err <<<"$(wrk_summary "$o")"
    read -r h_rps h_p50 h_p99 h_err <<<"$(wrk_summary "$h")"
    local statuses created
    statuses=$(awk '/^statuses:/ {sub(/^statuses: /,""); print}' <<<"$o")
    created=$(grep -o '201=[0-9]*' <<<"$statuses" | cut -d= -f2 || true)
    created=${created:-0}
    sleep 1
    local confirmed rows waitlisted max_live positions_ok
    confirmed=$(query "SELECT COALESCE(SUM(1 + guests), 0) FROM event_rsvps WHERE event_id = $event AND status = 'confirmed'")
    rows=$(query "SELECT COUNT(*) FROM event_rsvps WHERE event_id = $event")
    waitlisted=$(query "SELECT COUNT(*) FROM event_rsvps WHERE event_id = $event AND status = 'waitlisted'")
    max_live=$(query "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM event_rsvps WHERE event_id = $event AND status IN ('confirmed','offered','waitlisted') GROUP BY user_id) t")
    # The last waitlisted fan's position, as the API reports it, is the waitlist's length.
    positions_ok=$(query "SELECT CASE WHEN COUNT(*) = 0 OR MAX(p) = COUNT(*) THEN 1 ELSE 0 END FROM (SELECT (SELECT COUNT(*) FROM event_rsvps w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.id <= r.id) AS p FROM event_rsvps r WHERE r.event_id = $event AND r.status = 'waitlisted') t")
    local verdict=PASS why=""
    [ "$confirmed" -le "$CAPACITY" ] || { verdict=FAIL; why+=" over-capacity"; }
    if [ "$rows" -ge "$CAPACITY" ]; then [ "$confirmed" -eq "$CAPACITY" ] || { verdict=FAIL; why+=" places-left-unfilled"; }; fi
    [ "$max_live" -le 1 ] || { verdict=FAIL; why+=" two-places-for-one-fan"; }
    [ "$created" -le "$rows" ] || { verdict=FAIL; why+=" acked>rows"; }
    [ "$rows" -le $((created + CONNS)) ] || { verdict=FAIL; why+=" rows>acked+in-flight"; }
    [ "$positions_ok" = 1 ] || { verdict=FAIL; why+=" waitlist-positions"; }
    local secs rate
    secs=$(sed -n 's/.* requests in \([0-9.]*\)s,.*/\1/p' <<<"$o")
    rate=$(awk "BEGIN {printf \"%.0f\", $created/$secs}")
    echo "event=$event connections=$CONNS"
    echo "  rsvps: statuses $statuses; places taken/s=$rate; wrk rps=$o_rps p50_ms=$o_p50 p99_ms=$o_p99 errors=$o_err"
    echo "  healthz: rps=$h_rps p50_ms=$h_p50 p99_ms=$h_p99 errors=$h_err"
    echo "  rsvps/s ÷ healthz rps: $(awk "BEGIN {printf \"%.3f\", $rate/$h_rps}"); p99 ratio: $(awk "BEGIN {printf \"%.2f\", $o_p99/$h_p99}")"
    echo "  check: capacity=$CAPACITY confirmed=$confirmed rows=$rows waitlisted=$waitlisted acked=$created max_live_per_fan=$max_live -> $verdict$why"
    echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  } 2>&1 | tee "$out"
  cp "$dir/serve.log" "bench/out/events-$database.serve.log" 2>/dev/null || true
  rm -rf "$dir"
  if [ -n "$db" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db"; fi
  return 0
}

for database in $DATABASES; do run_one "$database"; done
