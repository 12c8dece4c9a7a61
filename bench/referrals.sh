#!/usr/bin/env bash
# What the referral vesting job (口碑, issue #23) costs every node every minute, on SQLite
# and — when CANYU_TEST_POSTGRES_URL is set — on a fresh PostgreSQL database made beside it
# and dropped after:
#
#   bash bench/referrals.sh            # REFERRERS (default 2,000) × PER (default 10) invitees
#
# Builds canyu-bench (release) and runs `canyu-bench referrals` (crates/bench/src/referrals.rs):
# medians of five rounds with no referrals at all (the baseline, same run), with every invitee
# pending and nothing due (a site that vests on orders, the default), the same with the level
# rule set, and one round in which one invitee per referrer qualifies and is rewarded.
# Results: bench/out/referrals.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
REFERRERS=${REFERRERS:-2000}
PER=${PER:-10}
cargo build --release -q -p canyu-bench
mkdir -p bench/out
OUT=bench/out/referrals.txt
: >"$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/canyu-referrals.XXXXXX")
PG_DB=""
cleanup() {
  if [ -n "$PG_DB" ]; then
    psql "$CANYU_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "sqlite: $(target/release/canyu-bench referrals --database-url "sqlite://$WORK/bench.db?mode=rwc" \
  --referrers "$REFERRERS" --per-referrer "$PER")" | tee -a "$OUT"
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="canyu_referrals_$$"
  PGOPTIONS="-c client_min_messages=warning" psql "$CANYU_TEST_POSTGRES_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  echo "postgres: $(target/release/canyu-bench referrals --database-url "${CANYU_TEST_POSTGRES_URL%/*}/$PG_DB" \
    --referrers "$REFERRERS" --per-referrer "$PER")" | tee -a "$OUT"
fi
