#!/usr/bin/env bash
# The sales ledger's import and the margin report (issue #21), on SQLite and — when
# CANYU_TEST_POSTGRES_URL is set — on a fresh PostgreSQL database made beside it:
#
#   bash bench/sales.sh target/release/canyu        # ROWS (default 1,000,000), BASE_ROWS, REPORTS
#
# Per backend: a server with one SKU per tier, a generated CSV of ROWS sales across them
# (bench/out/, made by this script), then
#   - baseline: `canyu sales import --one-per-transaction` of the first BASE_ROWS rows
#     (default 20,000: the baseline is slow), into a channel of its own;
#   - batched: `canyu sales import` of all ROWS rows (5,000 a transaction, 500 a statement);
#   - again: the same file once more (every row a duplicate: nothing inserted);
#   - the margin report over the year, REPORTS times (default 200) with curl: p50 and p99.
# Rows/s are the command's own count over its wall time. Results: bench/out/sales.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-1000000}
BASE_ROWS=${BASE_ROWS:-20000}
REPORTS=${REPORTS:-200}

# shellcheck source=scripts/throwaway_server.sh
source scripts/throwaway_server.sh
throwaway_binary "$@"
throwaway_init sales
mkdir -p bench/out
CSV="$WORK/sales.csv"
BASE_CSV="$WORK/base.csv"
python3 - "$ROWS" "$CSV" <<'PY'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(2026)
skus = [("B-ENTRY", 99_900), ("B-MID", 199_900), ("B-UPPER", 399_900), ("B-FLAG", 599_900)]
cities = ["北京", "上海", "广州", "深圳", "成都", "武汉", ""]
with open(path, "w", encoding="utf-8") as f:
    f.write("external_id,sku,quantity,unit_price_fen,sold_at,city\n")
    for i in range(rows):
        code, price = skus[rng.randrange(4)]
        day = rng.randrange(330)
        month, mday = 1 + day // 30, 1 + day % 28
        f.write(f"s-{i},{code},{1 + rng.randrange(3)},{price - rng.randrange(0, 3) * 10_000},"
                f"2026-{month:02d}-{mday:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+08:00,"
                f"{rng.choice(cities)}\n")
PY
head -n $((BASE_ROWS + 1)) "$CSV" >"$BASE_CSV"

OUT="$ROOT/bench/out/sales.md"
{
  echo "| backend | run | rows | seconds | rows/s | inserted | duplicates |"
  echo "|---|---|---:|---:|---:|---:|---:|"
} >"$OUT.rows"
REPORT_LINES=()

import() { # backend label channel file [flags…]
  local backend=$1 label=$2 channel=$3 file=$4 started ended said secs rows inserted dups
  shift 4
  started=$(date +%s.%N)
  said=$("$BIN" sales import --data-dir "$DATA" "${DB_ARGS[@]}" --channel "$channel" --input "$file" "$@" 2>"$WORK/import.err" | head -1) || { echo "$backend $label: the import failed:" >&2; tail -5 "$WORK/import.err" >&2; exit 1; }
  ended=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$ended - $started:.1f}')")
  rows=$(sed -E 's/^([0-9]+) rows.*/\1/' <<<"$said")
  inserted=$(sed -E 's/.*: ([0-9]+) inserted.*/\1/' <<<"$said")
  dups=$(sed -E 's/.*inserted, ([0-9]+) duplicates.*/\1/' <<<"$said")
  echo "$backend $label: $said"
  echo "| $backend | $label | $rows | $secs | $(python3 -c "print(f'{$rows / max($ended - $started, 1e-9):,.0f}')") | $inserted | $dups |" >>"$OUT.rows"
}

run_backend() { # sqlite | postgres
  local backend=$1 password token
  password="bench-password-$RANDOM$RANDOM"
  throwaway_start "$BIN" "$backend" serve
  CANYU_USER_PASSWORD="$password" "$BIN" user create --data-dir "$DATA" "${DB_ARGS[@]}" --handle bench_admin --role admin >/dev/null
  token=$(curl -sf "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"handle\":\"bench_admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  api() { curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' "$@" >/dev/null; }
  api "$URL/api/v1/categories" -d '{"slug":"phone","name_zh":"手机","name_en":"Phones"}'
  api "$URL/api/v1/products" -d '{"slug":"bench-phone","name":"Bench Phone","category":"phone"}'
  for sku in "B-ENTRY entry 95000" "B-MID mid 190000" "B-UPPER upper 380000" "B-FLAG flagship 570000"; do
    read -r code tier cost <<<"$sku"
    api "$URL/api/v1/products/bench-phone/skus" -d "{\"code\":\"$code\",\"name\":\"$code\",\"tier\":\"$tier\",\"unit_cost_fen\":$cost}"
  done
  api "$URL/api/v1/channels" -d '{"code":"baseline","name":"Baseline","kind":"partner_online","fee_bps":300}'
  import "$backend" "baseline: a row a transaction" baseline "$BASE_CSV" --one-per-transaction
  import "$backend" "batched: 5,000 a transaction" online "$CSV"
  import "$backend" "the same file again" online "$CSV"
  local times
  times=$(for _ in $(seq 1 "$REPORTS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $token" "$URL/api/v1/pricing/margin"
  done | sort -n)
  REPORT_LINES+=("| $backend | $(wc -l <<<"$times") | $(python3 -c "
import sys
t = [float(x) * 1000 for x in sys.argv[1].split()]
print(f'{t[len(t) // 2]:.1f} | {t[min(len(t) - 1, int(len(t) * 0.99))]:.1f}')" "$times") |")
  throwaway_stop
}

run_backend sqlite
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  run_backend postgres
fi
{
  echo "Sales import, $ROWS rows (baseline: the first $BASE_ROWS), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)."
  echo
  cat "$OUT.rows"
  echo
  echo "Margin report over the year (\`GET /api/v1/pricing/margin\`), sequential requests:"
  echo
  echo "| backend | requests | p50 ms | p99 ms |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${REPORT_LINES[@]}"
} >"$OUT"
rm -f "$OUT.rows"
cat "$OUT"
