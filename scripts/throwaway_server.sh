# shellcheck shell=bash
# A canyu server for a script's run, on a free port, over SQLite or a fresh PostgreSQL
# database made beside CANYU_TEST_POSTGRES_URL and dropped after. Sourced by clients/run.sh
# and scripts/conformance.sh:
#
#   throwaway_binary "$@"          # BIN=<absolute path of the one argument>, or usage and exit 2
#   throwaway_venv <dir> <requirement> <command>   # a Python tool in a venv under target/
#   throwaway_init <name>          # WORK=<temporary folder>; stops and cleans up at exit
#   throwaway_start <bin> <backend> <subcommand> [args…]   # sets URL and DATA; waits for /healthz
#   throwaway_stop                 # stops the server and drops its database
#
# On failure the server log's last lines are printed.

throwaway_binary() { # "$@" of the script
  if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 <path to the canyu binary>" >&2
    exit 2
  fi
  BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

throwaway_venv() { # dir requirement command: installs the requirement once (pip needs PyPI)
  if [ ! -x "$1/bin/$3" ]; then
    echo "$THROWAWAY_NAME: installing $2 into $1"
    python3 -m venv "$1"
    "$1/bin/pip" install --quiet --disable-pip-version-check "$2"
  fi
}

throwaway_init() { # name
  THROWAWAY_NAME=$1
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/canyu-$1.XXXXXX")"
  SERVER_PID=""
  PG_DB=""
  trap throwaway_cleanup EXIT INT TERM
}

throwaway_stop() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [ -n "$PG_DB" ]; then
    psql "$CANYU_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    PG_DB=""
  fi
}

throwaway_cleanup() {
  local status=$?
  throwaway_stop
  if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
    echo "---- server log (last 30 lines) ----" >&2
    tail -n 30 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}

throwaway_start() { # bin backend subcommand [args…]; the environment passes through
  local bin=$1 backend=$2 subcommand=$3 db_args=() port
  shift 3
  DATA="$WORK/$backend"
  mkdir -p "$DATA"
  if [ "$backend" = postgres ]; then
    PG_DB="canyu_${THROWAWAY_NAME}_$$"
    PGOPTIONS="-c client_min_messages=warning" psql "$CANYU_TEST_POSTGRES_URL" \
      -qc "DROP DATABASE IF EXISTS $PG_DB" -qc "CREATE DATABASE $PG_DB" >/dev/null
    db_args=(--database-url "${CANYU_TEST_POSTGRES_URL%/*}/$PG_DB")
  fi
  DB_ARGS=("${db_args[@]}")
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  URL="http://127.0.0.1:$port"
  "$bin" "$subcommand" --data-dir "$DATA" "${db_args[@]}" --listen "127.0.0.1:$port" "$@" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -sf "$URL/healthz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.2
  done
  echo "the server did not answer /healthz in 2 minutes" >&2
  exit 1
}
