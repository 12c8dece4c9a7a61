#!/usr/bin/env bash
# Runs the browser test against a fresh canyu:  e2e/run.sh target/debug/canyu
# Builds nothing: give it the binary. Needs node ≥ 20, npm, curl and Chromium at
# /usr/bin/chromium (or $CHROMIUM); never downloads a browser.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 <path to the canyu binary>" >&2
  exit 2
fi
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "e2e: node $(node --version) is too old; playwright-core needs node 20 or newer" >&2
  exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="$(mktemp -d "${TMPDIR:-/tmp}/canyu-e2e.XXXXXX")"
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
URL="http://127.0.0.1:${PORT}"
STAFF_HANDLE="e2e_staff"
STAFF_PASSWORD="staff-password-$RANDOM$RANDOM"
PRODUCT="e2e-phone"
SERVER_PID=""
DEMO_PID=""

cleanup() {
  local status=$?
  for pid in "$SERVER_PID" "$DEMO_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$status" -ne 0 ] && [ -f "$DATA/server.log" ]; then
    echo "---- server log (last 40 lines) ----" >&2
    tail -n 40 "$DATA/server.log" >&2 || true
  fi
  rm -rf "$DATA"
  exit "$status"
}
trap cleanup EXIT INT TERM

echo "e2e: starting canyu on $URL (data in $DATA)"
CANYU_SIMULATED_PAYMENTS=1 "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:${PORT}" >"$DATA/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 150); do
  if curl -sf "$URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "e2e: the server exited" >&2; exit 1; fi
  sleep 0.2
done
curl -sf "$URL/healthz" >/dev/null || { echo "e2e: /healthz never answered" >&2; exit 1; }

# The password goes through the environment, not the command line.
CANYU_USER_PASSWORD="$STAFF_PASSWORD" "$BIN" user create --data-dir "$DATA" --handle "$STAFF_HANDLE" --role staff >/dev/null

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(process.argv[1].split(".").reduce((o,k)=>o[k],v))})' "$1"; }
api() { # method path body [token]
  curl -sS -f -X "$1" "$URL/api/v1$2" -H 'Content-Type: application/json' ${4:+-H "Authorization: Bearer $4"} --data "$3"
}

TOKEN="$(api POST /auth/login "{\"handle\":\"$STAFF_HANDLE\",\"password\":\"$STAFF_PASSWORD\"}" | json token)"
api POST /categories '{"slug":"phone","name_zh":"手机","name_en":"Phones"}' "$TOKEN" >/dev/null
api POST /products "{\"slug\":\"$PRODUCT\",\"name\":\"E2E 手机\",\"category\":\"phone\"}" "$TOKEN" >/dev/null

cd "$HERE"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

# Every page of a generated demo site (pages.test.mjs): a second server, its own data folder.
DEMO_PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
DEMO_URL="http://127.0.0.1:${DEMO_PORT}"
mkdir -p "$DATA/demo"
echo "e2e: starting canyu demo on $DEMO_URL"
"$BIN" demo --data-dir "$DATA/demo" --posts 300 --listen "127.0.0.1:${DEMO_PORT}" >"$DATA/demo.log" 2>&1 &
DEMO_PID=$!
for _ in $(seq 1 300); do
  if curl -sf "$DEMO_URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$DEMO_PID" 2>/dev/null; then echo "e2e: the demo exited" >&2; tail -n 20 "$DATA/demo.log" >&2; exit 1; fi
  sleep 0.2
done

set +e
CANYU_URL="$URL" STAFF_HANDLE="$STAFF_HANDLE" STAFF_PASSWORD="$STAFF_PASSWORD" CANYU_PRODUCT="$PRODUCT" \
  CANYU_DEMO_URL="$DEMO_URL" node --test --test-concurrency=1 board.test.mjs events.test.mjs devices.test.mjs referrals.test.mjs insights.test.mjs voices.test.mjs amas.test.mjs pages.test.mjs
STATUS=$?
set -e
exit "$STATUS"
