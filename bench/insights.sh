#!/usr/bin/env bash
# The insights panels (issue #24) at a million posts, on SQLite and — when
# CANYU_TEST_POSTGRES_URL is set — on a fresh PostgreSQL database made beside it and dropped
# after:
#
#   bash bench/insights.sh             # SCALE (default 1.0): 200,000 fans, 1,000,000 posts,
#                                      # ~2,000,000 votes, 500,000 comments, 1,200,000 orders;
#                                      # for the channels, events, referrals and ecosystem
#                                      # panels ~1,000,000 hourly sales rows, 5,000 events,
#                                      # 200,000 RSVPs, 100,000 referrals, 150,000 devices
#   SCALE=0.1 bash bench/insights.sh   # a quick run at a tenth
#
# Builds canyu-bench (release) and runs `canyu-bench insights` (crates/bench/src/insights.rs):
# generation time, one full rollup rebuild, the median of five per-minute rollup rounds,
# p50/p99 of every panel (JSON included) over a mix of filters, and the same year's series
# scanned from the rows without rollups (the baseline, for co-creation and board only) with its
# ratio to the panel.
# Results: bench/out/insights.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1.0}
cargo build --release -q -p canyu-bench
mkdir -p bench/out
OUT=bench/out/insights.txt
: >"$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/canyu-insights.XXXXXX")
PG_DB=""
cleanup() {
  if [ -n "$PG_DB" ]; then
    psql "$CANYU_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(LC_ALL=C lscpu | sed -n 's/^Model name: *//p' | head -1), scale=$SCALE" | tee -a "$OUT"
target/release/canyu-bench insights --database-url "sqlite://$WORK/bench.db?mode=rwc" --scale "$SCALE" \
  | sed -u 's/^/sqlite: /' | tee -a "$OUT"
rm -f "$WORK"/bench.db*
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="canyu_insights_$$"
  PGOPTIONS="-c client_min_messages=warning" psql "$CANYU_TEST_POSTGRES_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  target/release/canyu-bench insights --database-url "${CANYU_TEST_POSTGRES_URL%/*}/$PG_DB" --scale "$SCALE" \
    | sed -u 's/^/postgres: /' | tee -a "$OUT"
fi
