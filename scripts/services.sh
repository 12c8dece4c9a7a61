#!/usr/bin/env bash
# Throwaway services for the test command, sourced by scripts/test.sh. Everything lives in one
# temporary folder and is stopped and removed by `services_stop` (test.sh traps it): a
# PostgreSQL cluster of its own (initdb + pg_ctl, trust auth inside that cluster only, a free
# port), a Redis of its own (a free port, nothing on disk), and a Python virtual environment
# for the SMTP sink. Nothing of the machine's own configuration is touched: no pg_hba.conf,
# no system pip, no service left running. What cannot run is said, and that part is skipped.
#
# Needs: PostgreSQL's server binaries (Debian: postgresql; found under /usr/lib/postgresql or
# on PATH), redis-server, python3 with venv. Run as root, the cluster runs as the `postgres`
# user (initdb refuses root). Debian's Chromium and Node.js ≥ 20 must be there for the
# browser test; nothing is installed.

SERVICES_DIR=""
SERVICES_PG_BIN=""
SERVICES_PG_DATA=""
SERVICES_REDIS_PID=""

services_log() { echo "[services] $*" >&2; }

# Call first, not in a subshell: the other functions set variables of this shell.
services_init() {
  SERVICES_DIR="$(mktemp -d "${TMPDIR:-/tmp}/canyu-test-services.XXXXXX")"
  chmod 755 "$SERVICES_DIR"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Sets CANYU_TEST_POSTGRES_URL to a fresh PostgreSQL with a database `test`, or says why not.
services_postgres() {
  local initdb
  initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)"
  [ -n "$initdb" ] || initdb="$(command -v initdb || true)"
  if [ -z "$initdb" ]; then
    services_log "PostgreSQL's initdb not found (Debian: apt-get install postgresql): PostgreSQL tests are skipped"
    return 0
  fi
  SERVICES_PG_BIN="$(dirname "$initdb")"
  local dir port as=()
  dir="$SERVICES_DIR/pg"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      services_log "running as root without a postgres user to run the cluster as: PostgreSQL tests are skipped"
      return 0
    fi
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  port="$(free_port)"
  SERVICES_PG_DATA="$dir/data"
  if ! "${as[@]}" "$initdb" -D "$SERVICES_PG_DATA" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
    services_log "initdb failed (see below): PostgreSQL tests are skipped"; tail -n 5 "$dir/initdb.log" >&2
    SERVICES_PG_DATA=""
    return 0
  fi
  if ! "${as[@]}" "$SERVICES_PG_BIN/pg_ctl" -D "$SERVICES_PG_DATA" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null; then
    services_log "PostgreSQL did not start (see below): PostgreSQL tests are skipped"; tail -n 5 "$dir/server.log" >&2
    return 0
  fi
  "$SERVICES_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  export CANYU_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/test"
}

# Sets CANYU_TEST_REDIS_URL to a fresh Redis, or says why not.
services_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    services_log "redis-server not found (Debian: apt-get install redis-server): Redis tests are skipped"
    return 0
  fi
  local dir port
  dir="$SERVICES_DIR/redis"
  mkdir -p "$dir"
  port="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" >/dev/null 2>&1 &
  SERVICES_REDIS_PID=$!
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  if ! redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    services_log "Redis did not start: Redis tests are skipped"
    return 0
  fi
  export CANYU_TEST_REDIS_URL="redis://127.0.0.1:$port"
}

# Puts a virtual environment with aiosmtpd first on PATH, for the SMTP tests' `python3`.
services_smtp_python() {
  local venv
  venv="$SERVICES_DIR/venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1 ||
    ! "$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd >/dev/null 2>&1; then
    services_log "could not make a virtual environment with aiosmtpd: the SMTP tests use this Python's smtpd if it has one, else skip"
    return 0
  fi
  PATH="$venv/bin:$PATH"
  export PATH
}

# Checks for Debian's Chromium and a new enough Node.js for the browser test. Nothing is
# installed: the test command leaves the machine's packages as it found them.
services_browser() {
  if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    services_log "no ${CHROMIUM:-/usr/bin/chromium} (Debian: apt-get install chromium chromium-driver): the browser test will fail"
  fi
  if ! command -v node >/dev/null 2>&1 || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    services_log "the browser test needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))"
  fi
}

services_stop() {
  if [ -n "$SERVICES_REDIS_PID" ]; then
    kill "$SERVICES_REDIS_PID" 2>/dev/null || true
    wait "$SERVICES_REDIS_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVICES_PG_DATA" ] && [ -f "$SERVICES_PG_DATA/postmaster.pid" ]; then
    local as=()
    [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
    "${as[@]}" "$SERVICES_PG_BIN/pg_ctl" -D "$SERVICES_PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$SERVICES_DIR" ] && rm -rf "$SERVICES_DIR"
  SERVICES_DIR=""
}
