#!/usr/bin/env bash
# Generates API clients from the OpenAPI document a fresh canyu serves, and runs a short
# script through each (issue #25):
#
#   clients/run.sh target/debug/canyu
#
# For SQLite, and for PostgreSQL when CANYU_TEST_POSTGRES_URL is set (a fresh database is
# made beside it and dropped after): start canyu on a free port, create a staff account, fetch
# /api/v1/openapi.json, then
#   - Python: openapi-python-client generates the package `canyu_client` (any generator
#     warning, e.g. a skipped operation, fails the run) and clients/python/smoke.py runs;
#   - TypeScript: openapi-typescript generates clients/typescript/generated/api.d.ts, tsc
#     type-checks clients/typescript/smoke.ts against it (strict) and node runs it with
#     openapi-fetch.
# Builds nothing of canyu: give it the binary. Needs python3 with venv, node ≥ 20, npm, curl;
# the generators come from PyPI (a virtual environment under target/) and npm (package-lock).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# shellcheck source=scripts/throwaway_server.sh
source scripts/throwaway_server.sh
throwaway_binary "$@"
throwaway_init clients
VENV="$ROOT/target/clients-venv"
throwaway_venv "$VENV" 'openapi-python-client==0.29.1' openapi-python-client
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error)

run_backend() { # sqlite | postgres
  local backend=$1 staff_password
  staff_password="staff-password-$RANDOM$RANDOM"
  throwaway_start "$BIN" "$backend" serve
  local url=$URL data=$DATA db_args=("${DB_ARGS[@]}")
  echo "== clients on $backend: canyu at $url"
  # The password goes through the environment, not the command line.
  CANYU_USER_PASSWORD="$staff_password" "$BIN" user create --data-dir "$data" "${db_args[@]}" \
    --handle clients_staff --role staff >/dev/null
  curl -sf "$url/api/v1/openapi.json" -o "$WORK/openapi.json"

  # Python: generate, refuse any warning, run.
  rm -rf "$WORK/python"
  mkdir -p "$WORK/python"
  local generated
  if ! generated=$(cd "$WORK/python" && "$VENV/bin/openapi-python-client" generate \
    --path "$WORK/openapi.json" --config "$ROOT/clients/python/config.yaml" --meta none \
    --output-path "$WORK/python/canyu_client" 2>&1); then
    echo "$generated" >&2
    echo "clients: openapi-python-client failed" >&2
    exit 1
  fi
  if grep -qiE 'warning|unable|skipp' <<<"$generated"; then
    echo "$generated" >&2
    echo "clients: openapi-python-client warned about the document" >&2
    exit 1
  fi
  CANYU_URL="$url" STAFF_HANDLE=clients_staff STAFF_PASSWORD="$staff_password" \
    PYTHONPATH="$WORK/python" "$VENV/bin/python" clients/python/smoke.py

  # TypeScript: generate the types, type-check strictly, run.
  (
    cd clients/typescript
    rm -rf generated dist
    npx --no-install openapi-typescript "$WORK/openapi.json" --output generated/api.d.ts --silent
    npx --no-install tsc -p .
    CANYU_URL="$url" STAFF_HANDLE=clients_staff STAFF_PASSWORD="$staff_password" node dist/smoke.js
  )

  throwaway_stop
}

run_backend sqlite
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  run_backend postgres
else
  echo "== clients on postgres: skipped (CANYU_TEST_POSTGRES_URL is not set)"
fi
echo "clients: the Python and TypeScript clients passed"
