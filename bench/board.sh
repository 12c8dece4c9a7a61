#!/usr/bin/env bash
# The co-creation board benchmark (issue #2). One command:
#
#   bash bench/board.sh            # 1,000,000 posts; POSTS=100000 bash bench/board.sh for a quick run
#
# For SQLite and (when reachable) PostgreSQL: bulk-load POSTS posts made from
# ../shared/data/reviews-zh.txt, build the search index, measure search latency beside SQLite
# FTS5 (trigram) on the same rows and queries, then start the release binary on the loaded
# database (start-up time), and drive the hot board page and /healthz with wrk in the same
# run; report requests/s, p99 and the server's RSS. Results: bench/out/board-<backend>.txt.
# CANYU_BIN=path (and CANYU_BENCH_BIN=path) run those builds instead of building, e.g. to
# compare two versions in one sitting (bench/ab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-../shared/data/reviews-zh.txt}
POSTS=${POSTS:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
if [ ! -f "$CORPUS" ]; then echo "skipping: $CORPUS not found (shared data absent)"; exit 0; fi
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

if [ -z "${CANYU_BIN:-}" ] || [ -z "${CANYU_BENCH_BIN:-}" ]; then
  cargo build --release --locked -p canyu -p canyu-bench
fi
BIN=${CANYU_BIN:-$PWD/target/release/canyu}
BENCH=${CANYU_BENCH_BIN:-$PWD/target/release/canyu-bench}
mkdir -p bench/out

# shellcheck source=bench/lib.sh
source bench/lib.sh

wrk_run() { # url -> "rps p99_ms"
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$rps $p99 ${non2xx:-0}"
}

run_backend() {
  local backend=$1 dir url_args=() db=""
  dir=$(mktemp -d /tmp/canyu-bench-XXXXXX)
  if [ "$backend" = postgres ]; then
    if ! pg_isready -q -h 127.0.0.1; then echo "postgres: not reachable, skipped"; return 0; fi
    db="canyu_bench_$$"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
    url_args=(--database-url "${PG_ADMIN%/*}/$db")
  fi
  local out="bench/out/board-$backend.txt"
  {
    echo "# canyu board benchmark: $backend, $POSTS posts, $(date -u +%FT%TZ)"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
    "$BIN" --data-dir "$dir" "${url_args[@]}" import lines --input "$CORPUS" --posts "$POSTS" 2>/dev/null
    local index_dir
    index_dir=$(ls -d "$dir"/index/*)
    "$BENCH" search --data-dir "$dir" --index-dir "$index_dir" "${url_args[@]}" --corpus "$CORPUS"

    local port
    port=$(free_port)
    local t0 t1
    t0=$(date +%s%N)
    "$BIN" --data-dir "$dir" "${url_args[@]}" --listen "127.0.0.1:$port" serve >"$dir/serve.log" 2>&1 &
    local pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
      kill -0 "$pid" 2>/dev/null || { echo "server died:"; cat "$dir/serve.log"; return 1; }
      sleep 0.005
    done
    t1=$(date +%s%N)
    echo "startup_ms=$(( (t1 - t0) / 1000000 ))"
    echo "rss_after_start_mb=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
    read -r b_rps b_p99 b_err < <(wrk_run "http://127.0.0.1:$port/products/imported-0")
    read -r a_rps a_p99 a_err < <(wrk_run "http://127.0.0.1:$port/api/v1/posts?product=imported-0&sort=hot")
    # The second page is never cached: every request reads the database.
    local cursor
    cursor=$(curl -s "http://127.0.0.1:$port/api/v1/posts?product=imported-0&sort=hot" \
      | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["next_cursor"]))')
    read -r c_rps c_p99 c_err < <(wrk_run "http://127.0.0.1:$port/products/imported-0?cursor=$cursor")
    read -r s_rps s_p99 s_err < <(wrk_run "http://127.0.0.1:$port/api/v1/posts?q=%E7%BB%AD%E8%88%AA")
    read -r h_rps h_p99 h_err < <(wrk_run "http://127.0.0.1:$port/healthz")
    echo "board_page: rps=$b_rps p99_ms=$b_p99 non2xx=$b_err ratio_to_healthz=$(awk "BEGIN {printf \"%.2f\", $b_rps/$h_rps}")"
    echo "board_api: rps=$a_rps p99_ms=$a_p99 non2xx=$a_err ratio_to_healthz=$(awk "BEGIN {printf \"%.2f\", $a_rps/$h_rps}")"
    echo "board_page_2_uncached: rps=$c_rps p99_ms=$c_p99 non2xx=$c_err ratio_to_healthz=$(awk "BEGIN {printf \"%.2f\", $c_rps/$h_rps}")"
    echo "search_api: rps=$s_rps p99_ms=$s_p99 non2xx=$s_err"
    echo "healthz: rps=$h_rps p99_ms=$h_p99 non2xx=$h_err"
    echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  } | tee "$out"
  rm -rf "$dir"
  [ -n "$db" ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db"
  return 0
}

for backend in ${BACKENDS:-sqlite postgres}; do run_backend "$backend"; done
