#!/usr/bin/env bash
# "Ask the feedback" (staff ask a Chinese question, get themes, weekly trends and quotes)
# at a million posts, on SQLite and — when CANYU_TEST_POSTGRES_URL is set — on a fresh
# PostgreSQL database made beside it and dropped after:
#
#   bash bench/ask.sh             # SCALE (default 1.0): 200,000 fans, 10 products,
#                                 # 1,000,000 posts over the last 365 days
#   SCALE=0.1 bash bench/ask.sh   # a quick run at a tenth
#
# Posts are real Chinese reviews from ../shared/data/reviews-zh.txt (repeated with a suffix;
# skipped, saying so, when the file is absent). Builds canyu-bench (release) and runs
# `canyu-bench ask` (crates/bench/src/ask.rs): generation and indexing time, p50/p99/max of
# `insights::ask::ask` (JSON included) over 20 staff questions, half site-wide and half of one
# product, and the baseline without an index — the same words matched with LIKE '%word%' in
# SQL, then the same grouping — with its ratio to ask. Requirement: p99 < 300 ms at scale 1.
# Results: bench/out/ask.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1.0}
CORPUS=../shared/data/reviews-zh.txt
mkdir -p bench/out
OUT=bench/out/ask.txt
if [ ! -f "$CORPUS" ]; then
  echo "ask: skipped: $CORPUS not found" | tee "$OUT"
  exit 0
fi
cargo build --release -q -p canyu-bench
: >"$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/canyu-ask.XXXXXX")
PG_DB=""
cleanup() {
  if [ -n "$PG_DB" ]; then
    psql "$CANYU_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(LC_ALL=C lscpu | sed -n 's/^Model name: *//p' | head -1), scale=$SCALE" | tee -a "$OUT"
target/release/canyu-bench ask --database-url "sqlite://$WORK/bench.db?mode=rwc" --scale "$SCALE" --corpus "$CORPUS" \
  | sed -u 's/^/sqlite: /' | tee -a "$OUT"
rm -f "$WORK"/bench.db*
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="canyu_ask_$$"
  PGOPTIONS="-c client_min_messages=warning" psql "$CANYU_TEST_POSTGRES_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  target/release/canyu-bench ask --database-url "${CANYU_TEST_POSTGRES_URL%/*}/$PG_DB" --scale "$SCALE" \
    --corpus "$CORPUS" | sed -u 's/^/postgres: /' | tee -a "$OUT"
fi
