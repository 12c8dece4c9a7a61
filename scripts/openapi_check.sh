#!/usr/bin/env bash
# Validates the served OpenAPI document as OpenAPI 3.1 with openapi-spec-validator (PyPI):
#   scripts/openapi_check.sh [target/debug/canyu]
# Starts canyu on a temporary data directory and a free port, fetches /api/v1/openapi.json,
# and fails on any validation error, a repeated operation id or a response without a
# description. The validator lives in a virtual environment under target/ (made once; pip
# needs PyPI the first time). Needs python3 with venv, and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-target/debug/canyu}"
if [ ! -x "$BIN" ]; then
  echo "openapi_check: $BIN is not built (cargo build -p canyu)" >&2
  exit 2
fi
VENV="target/openapi-venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "openapi_check: installing openapi-spec-validator into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.7'
fi

DATA="$(mktemp -d "${TMPDIR:-/tmp}/canyu-openapi.XXXXXX")"
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:${PORT}"
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$DATA/server.log" ]; then
    echo "---- server log (last 20 lines) ----" >&2
    tail -n 20 "$DATA/server.log" >&2 || true
  fi
  rm -rf "$DATA"
  exit "$status"
}
trap cleanup EXIT INT TERM

"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:${PORT}" >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  if curl -sf "$URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "openapi_check: the server exited" >&2; exit 1; fi
  sleep 0.2
done
curl -sf "$URL/api/v1/openapi.json" -o "$DATA/openapi.json"

"$VENV/bin/python" - "$DATA/openapi.json" <<'PY'
import json, sys
from openapi_spec_validator import OpenAPIV31SpecValidator

with open(sys.argv[1]) as f:
    doc = json.load(f)
problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(doc).iter_errors()]
seen = {}
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
operations = 0
for path, item in doc.get("paths", {}).items():
    for method, op in item.items():
        if method not in methods:
            continue
        operations += 1
        where = f"{method.upper()} {path}"
        op_id = op.get("operationId")
        if not op_id:
            problems.append(f"{where}: no operationId")
        elif op_id in seen:
            problems.append(f"{where}: operationId {op_id!r} also used by {seen[op_id]}")
        else:
            seen[op_id] = where
        for status, response in op.get("responses", {}).items():
            if not response.get("description"):
                problems.append(f"{where}: response {status} has no description")
for p in problems:
    print("openapi_check:", p, file=sys.stderr)
if problems:
    sys.exit(f"openapi_check: {len(problems)} problem(s) in the served OpenAPI document")
print(f"openapi_check: the served document is valid OpenAPI {doc.get('openapi')}: {operations} operations, unique ids, every response described")
PY
