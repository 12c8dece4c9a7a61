#!/usr/bin/env bash
# The drop engine benchmark (issue #4). One command:
#
#   bash bench/drop.sh        # 200,000 fans, waves of 100,000 units, 20 s per wrk run
#   FANS=20000 QUANTITY=10000 DURATION=5s CONNS="64" bash bench/drop.sh   # a quick run
#
# For each RUNS entry (engine:database) — the embedded engine on SQLite (the default
# configuration), the naive hot-row baseline on PostgreSQL, the Redis engine (when Redis
# answers), the embedded engine on PostgreSQL — on a fresh database: `canyu loadtest init`,
# `canyu loadtest fans` (FANS fans with API tokens), then for each connection count in
# CONNS a fresh wave of QUANTITY units (per-fan limit 1, open now), and wrk (bench/drop.lua:
# every request a different fan with a fresh Idempotency-Key) against
# POST /api/v1/waves/{id}/orders, then against /healthz of the same server in the same run
# (once the server has written the wave's token uses: `canyu_token_uses_waiting` is 0).
# After each wave: sold (waves.sold) = COUNT(orders) ≤ quantity, the client's 201s ≤ sold
# ≤ 201s + connections (orders in flight when wrk stopped may commit unacknowledged), no fan
# over the limit: PASS or FAIL. Results: bench/out/drop-<engine>-<database>.txt.
# CANYU_BIN=path runs that binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

FANS=${FANS:-200000}
QUANTITY=${QUANTITY:-100000}
DURATION=${DURATION:-20s}
CONNS=${CONNS:-1000 64}
THREADS=${THREADS:-2}
RUNS=${RUNS:-embedded:sqlite hotrow:postgres redis:sqlite embedded:postgres}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
export PGOPTIONS="-c client_min_messages=warning"
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -n "${CANYU_BIN:-}" ]; then
  BIN=$CANYU_BIN # another build, e.g. to compare two versions in one sitting
else
  if [ -z "${NO_BUILD:-}" ]; then cargo build --release --locked -p canyu; fi
  BIN=$PWD/target/release/canyu
fi
mkdir -p bench/out

# shellcheck source=bench/lib.sh
source bench/lib.sh

settle() { # waits for the server's writes after a wave ("last used" of the buyers' tokens); prints the seconds
  local base=$1 started=$SECONDS i
  local waiting
  for i in $(seq 1 180); do
    waiting=$(curl -s "$base/metrics" | awk '$1=="canyu_token_uses_waiting" {print $2}')
    case "$waiting" in 0|"") break ;; esac # "": a build without the gauge
    sleep 0.5
  done
  echo $((SECONDS - started))
}

run_one() {
  local engine=${1%%:*} database=${1##*:}
  local dir url_args=() db="" query prefix=""
  dir=$(mktemp -d /tmp/canyu-drop-XXXXXX)
  if [ "$database" = postgres ]; then
    if ! pg_isready -q -h 127.0.0.1; then echo "$1: PostgreSQL not reachable, skipped"; return 0; fi
    db="canyu_bench_drop_$$"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
    url_args=(--database-url "${PG_ADMIN%/*}/$db")
    query() { psql "${PG_ADMIN%/*}/$db" -qAtc "$1"; }
  else
    query() { sqlite3 "$dir/canyu.db" "$1"; }
  fi
  local env_args=(CANYU_STOCK_ENGINE="$engine" CANYU_ORDERS_PER_MINUTE=600)
  if [ "$engine" = redis ]; then
    if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then echo "$1: Redis not reachable, skipped"; return 0; fi
    prefix="canyu-bench-drop-$$-$RANDOM"
    env_args+=(CANYU_REDIS_URL="$REDIS_URL" CANYU_REDIS_PREFIX="$prefix")
  fi
  local out="bench/out/drop-$engine-$database.txt"
  {
    echo "# canyu drop benchmark: engine=$engine database=$database, $FANS fans, waves of $QUANTITY, $(date -u +%FT%TZ)"
    echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); wrk -t$THREADS on the same cores"
    "$BIN" --data-dir "$dir" "${url_args[@]}" loadtest init 2>/dev/null
    "$BIN" --data-dir "$dir" "${url_args[@]}" loadtest fans --count "$FANS" --out "$dir/tokens.txt"
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    env "${env_args[@]}" RUST_LOG=warn "$BIN" --data-dir "$dir" "${url_args[@]}" --listen "127.0.0.1:$port" serve \
      >"$dir/serve.log" 2>&1 &
    local pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
      kill -0 "$pid" 2>/dev/null || { echo "server died:"; cat "$dir/serve.log"; return 1; }
      sleep 0.05
    done
    local base="http://127.0.0.1:$port" server_201_before=0
    for conns in $CONNS; do
      local wave
      wave=$("$BIN" --data-dir "$dir" "${url_args[@]}" loadtest wave --product drop-bench \
        --quantity "$QUANTITY" --per-fan-limit 1 --starts-in 0 --minutes 30)
      local o h settled
      settle "$base" >/dev/null
      o=$(TOKENS="$dir/tokens.txt" WAVE=$wave RUN="c$conns" THREADS=$THREADS \
        wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency -s bench/drop.lua "$base/")
      # /healthz on a quiet server: measured while the wave's token uses were still being
      # written, the baseline came out lower (and the ratio flattering).
      settled=$(settle "$base")
      h=$(wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency "$base/healthz")
      local o_rps o_p50 o_p99 o_err h_rps h_p50 h_p99 h_err
      read -r o_rps o_p50 o_p99 o_err <<<"$(wrk_summary "$o")"
      read -r h_rps h_p50 h_p99 h_err <<<"$(wrk_summary "$h")"
      local statuses acked secs
      statuses=$(awk '/^statuses:/ {sub(/^statuses: /,""); print}' <<<"$o")
      acked=$(grep -o '201=[0-9]*' <<<"$statuses" | cut -d= -f2 || true)
      acked=${acked:-0}
      secs=$(sed -n 's/.* requests in \([0-9.]*\)s,.*/\1/p' <<<"$o")
      # The database after the run: sold, its orders, the busiest fan, the selling window.
      sleep 1
      local sold orders max_per_fan first last
      sold=$(query "SELECT sold FROM waves WHERE id = $wave")
      orders=$(query "SELECT COUNT(*) FROM orders WHERE wave_id = $wave")
      max_per_fan=$(query "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM orders WHERE wave_id = $wave GROUP BY user_id) t")
      first=$(query "SELECT COALESCE(MIN(created_at), 0) FROM orders WHERE wave_id = $wave")
      last=$(query "SELECT COALESCE(MAX(created_at), 0) FROM orders WHERE wave_id = $wave")
      # 201s the server sent for this wave (the counter covers every wave of the server).
      local server_201 server_201_total
      server_201_total=$(curl -s "$base/metrics" | awk -v q='status="201"' 'index($0, "canyu_http_requests_total") && index($0, "orders") && index($0, "POST") && index($0, q) {s += $NF} END {print s+0}')
      server_201=$((server_201_total - server_201_before))
      server_201_before=$server_201_total
      local verdict=PASS why=""
      [ "$sold" = "$orders" ] || { verdict=FAIL; why+=" sold!=orders"; }
      [ "$sold" -le "$QUANTITY" ] || { verdict=FAIL; why+=" oversold"; }
      [ "$max_per_fan" -le 1 ] || { verdict=FAIL; why+=" fan-over-limit"; }
      [ "$acked" -le "$sold" ] || { verdict=FAIL; why+=" acked>sold"; }
      [ "$sold" -le $((acked + conns)) ] || { verdict=FAIL; why+=" sold>acked+in-flight"; }
      echo "connections=$conns wave=$wave"
      echo "  orders: statuses $statuses; wrk rps=$o_rps (all responses) p50_ms=$o_p50 p99_ms=$o_p99 errors=$o_err"
      # While stock lasts is what a drop is; after the sell-out every answer is a quick 409.
      local rate window
      window=$(awk "BEGIN {printf \"%.2f\", ($last-$first)/1000}")
      if [ "$orders" -ge "$QUANTITY" ] && [ "$orders" -gt 1 ]; then
        rate=$(awk "BEGIN {printf \"%.0f\", ($orders-1)/$window}")
        echo "  sold out: $orders orders from the first to the last in ${window}s -> acknowledged/s=$rate"
      else
        rate=$(awk "BEGIN {printf \"%.0f\", $acked/$secs}")
        echo "  not sold out: $acked acknowledged in ${secs}s -> acknowledged/s=$rate"
      fi
      echo "  healthz: rps=$h_rps p50_ms=$h_p50 p99_ms=$h_p99 errors=$h_err (after ${settled}s for the wave's token uses to be written)"
      echo "  acknowledged/s ÷ healthz rps: $(awk "BEGIN {printf \"%.3f\", $rate/$h_rps}")"
      echo "  check: quantity=$QUANTITY sold=$sold orders=$orders acked_by_client=$acked acked_by_server=$server_201 max_per_fan=$max_per_fan -> $verdict$why"
    done
    echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  } 2>&1 | tee "$out"
  # The server's log, for the warnings behind any 5xx.
  cp "$dir/serve.log" "bench/out/drop-$engine-$database.serve.log" 2>/dev/null || true
  rm -rf "$dir"
  if [ -n "$db" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db"; fi
  if [ -n "$prefix" ]; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$prefix:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
  fi
  return 0
}

for run in $RUNS; do run_one "$run"; done
