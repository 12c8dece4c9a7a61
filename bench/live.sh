#!/usr/bin/env bash
# The live counter benchmark (issue #5). One command:
#
#   bash bench/live.sh       # 60,000 fans, campaign waves of 50,000 units, 5,000 viewers, 2 rounds
#   FANS=20000 QUANTITY=10000 CLIENTS=1000 DURATION=8s ROUNDS=1 bash bench/live.sh   # a quick run
#
# On one server (embedded engine, SQLite), each round runs two campaign waves back to back:
# one with nobody watching (the baseline) and one with CLIENTS viewers holding the campaign's
# live counter open (GET /api/v1/campaigns/{id}/live, server-sent events). wrk (bench/drop.lua,
# every request a different fan placing a big order) hits the wave's order endpoint with
# CONNS connections. Reported: acknowledged orders/s with and without the viewers and their
# ratio, how many viewers stayed connected, and the stream lag (a snapshot's age when a
# viewer read it) p50/p99 over the updates; the first frame a viewer gets on connecting (the
# latest snapshot, up to a tick old by design) is reported apart as first_*. Also the CPU
# time the server and the viewers' client use during each wave, and for 3 s with the
# viewers connected and no orders (what the streams alone cost). After each wave: sold = orders = launch orders <= quantity.
# wrk, the viewers and the server share the machine's cores. Results: bench/out/live.txt.
# CANYU_BIN / CANYU_BENCH_BIN run those binaries instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

FANS=${FANS:-60000}
QUANTITY=${QUANTITY:-50000}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-64}
CLIENTS=${CLIENTS:-5000}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -z "${CANYU_BIN:-}" ] || [ -z "${CANYU_BENCH_BIN:-}" ]; then
  cargo build --release --locked -p canyu -p canyu-bench
fi
BIN=${CANYU_BIN:-$PWD/target/release/canyu}
BENCH=${CANYU_BENCH_BIN:-$PWD/target/release/canyu-bench}
mkdir -p bench/out
OUT=bench/out/live.txt
dir=$(mktemp -d /tmp/canyu-live-XXXXXX)
trap 'rm -rf "$dir"' EXIT
query() { sqlite3 "$dir/canyu.db" "$1"; }
# CPU time a process has used so far, in ms (user + system; /proc/PID/stat counts in ticks).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
secs_of() { local d=$1; case $d in *s) echo "${d%s}";; *m) echo $(( ${d%m} * 60 ));; *) echo "$d";; esac; }

{
  echo "# canyu live counter benchmark: $FANS fans, campaign waves of $QUANTITY, $CLIENTS viewers, $CONNS order connections, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); wrk -t$THREADS and the viewers on the same cores"
  "$BIN" --data-dir "$dir" loadtest init >/dev/null 2>&1
  "$BIN" --data-dir "$dir" loadtest fans --count "$FANS" --out "$dir/tokens.txt"
  port=$((20000 + RANDOM % 20000))
  CANYU_ORDERS_PER_MINUTE=600 RUST_LOG=warn "$BIN" --data-dir "$dir" --listen "127.0.0.1:$port" serve >"$dir/serve.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "server died:"; cat "$dir/serve.log"; exit 1; }
    sleep 0.05
  done
  dur=$(secs_of "$DURATION")
  for round in $(seq 1 "$ROUNDS"); do
    # Alternate which wave goes first: later waves run on a fuller database.
    modes="without with"; [ $((round % 2)) -eq 0 ] && modes="with without"
    for mode in $modes; do
      read -r wave campaign <<<"$("$BIN" --data-dir "$dir" loadtest wave --product live-bench --campaign \
        --quantity "$QUANTITY" --per-fan-limit 1 --starts-in 0 --minutes 30)"
      viewers=""
      if [ "$mode" = with ]; then
        "$BENCH" sse --addr "127.0.0.1:$port" --path "/api/v1/campaigns/$campaign/live" \
          --clients "$CLIENTS" --seconds $((dur + 10)) >"$dir/sse.txt" 2>&1 &
        viewers=$!
        sleep 4 # every viewer connected and receiving before the first order
        # What the streams alone cost, before any order: server and viewers' CPU per second.
        s0=$(cpu_ms "$pid"); v0=$(cpu_ms "$viewers"); sleep 3; s1=$(cpu_ms "$pid"); v1=$(cpu_ms "$viewers")
        idle="server $(( (s1 - s0) / 3 )) ms/s, viewers' client $(( (v1 - v0) / 3 )) ms/s (the machine has $(( $(nproc) * 1000 )) ms/s)"
      fi
      c0=$(cpu_ms "$pid"); cv0=0; [ -n "$viewers" ] && cv0=$(cpu_ms "$viewers")
      o=$(TOKENS="$dir/tokens.txt" WAVE=$wave RUN="r$round$mode" THREADS=$THREADS BODY='{"kind":"big","buyer_name":"bench"}' \
        wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency -s bench/drop.lua "http://127.0.0.1:$port/")
      statuses=$(awk '/^statuses:/ {sub(/^statuses: /,""); print}' <<<"$o")
      acked=$(grep -o '201=[0-9]*' <<<"$statuses" | cut -d= -f2 || true); acked=${acked:-0}
      secs=$(sed -n 's/.* requests in \([0-9.]*\)s,.*/\1/p' <<<"$o")
      p99=$(awk '$1=="99%" {print $2}' <<<"$o")
      c1=$(cpu_ms "$pid"); cv1=0; [ -n "$viewers" ] && cv1=$(cpu_ms "$viewers")
      cpu="server $(awk "BEGIN {printf \"%.0f\", ($c1 - $c0) / $secs}") ms/s"
      [ -n "$viewers" ] && cpu+=", viewers' client $(awk "BEGIN {printf \"%.0f\", ($cv1 - $cv0) / $secs}") ms/s"
      sse=""
      if [ -n "$viewers" ]; then wait "$viewers" || true; sse=$(cat "$dir/sse.txt"); fi
      sleep 1
      sold=$(query "SELECT sold FROM waves WHERE id = $wave")
      orders=$(query "SELECT COUNT(*) FROM orders WHERE wave_id = $wave AND status = 'placed'")
      launches=$(query "SELECT COUNT(*) FROM launch_orders l JOIN orders o ON o.id = l.order_id WHERE o.wave_id = $wave")
      first=$(query "SELECT COALESCE(MIN(created_at), 0) FROM orders WHERE wave_id = $wave")
      last=$(query "SELECT COALESCE(MAX(created_at), 0) FROM orders WHERE wave_id = $wave")
      if [ "$orders" -ge "$QUANTITY" ] && [ "$orders" -gt 1 ]; then
        rate=$(awk "BEGIN {printf \"%.0f\", ($orders-1)/(($last-$first)/1000)}")
        how="sold out"
      else
        rate=$(awk "BEGIN {printf \"%.0f\", $acked/$secs}")
        how="not sold out"
      fi
      verdict=PASS
      [ "$sold" = "$orders" ] && [ "$orders" = "$launches" ] && [ "$sold" -le "$QUANTITY" ] && [ "$acked" -le "$sold" ] || verdict=FAIL
      echo "round=$round viewers=$mode wave=$wave campaign=$campaign"
      echo "  orders: statuses $statuses; order p99=$p99; $how -> acknowledged/s=$rate"
      echo "  cpu during the wave: $cpu"
      [ -n "$sse" ] && echo "  viewers: $sse" && echo "  cpu with viewers and no orders: $idle"
      echo "  check: quantity=$QUANTITY sold=$sold orders=$orders launch_orders=$launches acked=$acked -> $verdict"
      echo "result round=$round mode=$mode rate=$rate"
    done
  done
  echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
} 2>&1 | tee "$OUT"

# Ratios per round and their median.
awk '/^result/ {split($2,r,"="); split($3,k,"="); split($4,v,"="); rate[r[2] "," k[2]] = v[2]; if (r[2] + 0 > n) n = r[2] + 0}
  END {
    for (i = 1; i <= n; i++) { q = rate[i ",with"] / rate[i ",without"]; ratios[i] = q; printf "round %d: with viewers / without = %.3f\n", i, q }
    asort(ratios); med = (n % 2) ? ratios[(n + 1) / 2] : (ratios[n / 2] + ratios[n / 2 + 1]) / 2
    printf "median ratio (with / without viewers) over %d rounds: %.3f\n", n, med
  }' "$OUT" | tee -a "$OUT"
