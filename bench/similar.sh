#!/usr/bin/env bash
# The similar-posts benchmark (issue #3). One command:
#
#   bash bench/similar.sh          # 1,000,000 posts; POSTS=100000 bash bench/similar.sh for a quick run
#
# Bulk-loads POSTS posts made from ../shared/data/reviews-zh.txt into SQLite (the default
# backend; the similar-posts path reads the search index and then a handful of rows by
# primary key, the same on both backends), starts the release binary, and drives with wrk:
#   * GET /api/v1/posts/similar with 2,000 different drafts (real reviews with 1-2
#     characters changed, half scoped to a product; bench/similar_paths.py);
#   * in the same run, the baseline: GET /api/v1/posts?q= full-text search for a word,
#     and /healthz;
# at a light load (4 connections: what one fan's typing costs) and a heavy one (64).
# Reports requests/s, p50 and p99. Results: bench/out/similar.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-../shared/data/reviews-zh.txt}
POSTS=${POSTS:-1000000}
DURATION=${DURATION:-10s}
if [ ! -f "$CORPUS" ]; then echo "skipping: $CORPUS not found (shared data absent)"; exit 0; fi
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

cargo build --release --locked -p canyu
BIN=$PWD/target/release/canyu
mkdir -p bench/out
# DATA=<folder> reuses a folder loaded by an earlier run started with KEEP=1.
dir=${DATA:-$(mktemp -d /tmp/canyu-similar-XXXXXX)}
paths="$dir/paths.txt"
python3 bench/similar_paths.py "$CORPUS" "$paths" 2000 6

wrk_run() { # connections url [lua] -> "rps p50_ms p99_ms non2xx"
  local conns=$1 url=$2 lua=${3:-}
  local args=(-t2 -c"$conns" -d"$DURATION" --latency)
  [ -n "$lua" ] && args+=(-s "$lua")
  local out
  out=$(PATHS="$paths" wrk "${args[@]}" "$url")
  local ms='{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1=="50%" '"$ms" <<<"$out") $(awk '$1=="99%" '"$ms" <<<"$out") $(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
}

{
  echo "# canyu similar-posts benchmark: sqlite, $POSTS posts, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  if [ -z "${DATA:-}" ]; then
    "$BIN" --data-dir "$dir" import lines --input "$CORPUS" --posts "$POSTS" 2>/dev/null
  fi
  port=$((20000 + RANDOM % 20000))
  "$BIN" --data-dir "$dir" --listen "127.0.0.1:$port" serve >"$dir/serve.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
  base="http://127.0.0.1:$port"
  # One request, to show what an answer looks like.
  echo "sample: $(curl -s "$base$(head -1 "$paths")" | head -c 300)"
  # Warm-up, not reported: the first queries fault the index files in and fill the
  # dictionary caches; the runs below measure the steady state.
  PATHS="$paths" wrk -t2 -c4 -d5s -s bench/paths.lua "$base/" >/dev/null
  for conns in 4 64; do
    read -r s_rps s_p50 s_p99 s_err < <(wrk_run "$conns" "$base/" bench/paths.lua)
    read -r q_rps q_p50 q_p99 q_err < <(wrk_run "$conns" "$base/api/v1/posts?q=%E7%BB%AD%E8%88%AA&limit=5")
    read -r h_rps h_p50 h_p99 h_err < <(wrk_run "$conns" "$base/healthz")
    echo "connections=$conns"
    echo "  similar_api: rps=$s_rps p50_ms=$s_p50 p99_ms=$s_p99 non2xx=$s_err"
    echo "  search_api (baseline): rps=$q_rps p50_ms=$q_p50 p99_ms=$q_p99 non2xx=$q_err"
    echo "  healthz: rps=$h_rps p50_ms=$h_p50 p99_ms=$h_p99 non2xx=$h_err"
    echo "  similar/search rps ratio: $(awk "BEGIN {printf \"%.2f\", $s_rps/$q_rps}")"
  done
  echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
} | tee bench/out/similar.txt
if [ -n "${KEEP:-}" ] || [ -n "${DATA:-}" ]; then echo "data kept in $dir"; else rm -rf "$dir"; fi
