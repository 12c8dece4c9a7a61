#!/usr/bin/env bash
# Makes sure the services the tests use are running on this machine: PostgreSQL on
# 127.0.0.1:5432 (trust auth, user postgres, database test) and Debian's Chromium for the
# browser tests. Installs them from Debian's packages when missing (needs root).
set -euo pipefail

log() { echo "[services] $*" >&2; }
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then log "not root: cannot install $*"; return 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if pg_up; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client || return 1
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q "canyu-trust" "$hba"; then
    # Test-machine only: local connections need no password, as on the CI machines.
    sed -i -E 's/^(host|local)(\s+.*)(scram-sha-256|md5|peer)\s*$/\1\2trust/' "$hba"
    echo "# canyu-trust: test machine, trust local connections" >> "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main restart || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { log "PostgreSQL did not start"; return 1; }
}

ensure_test_database() {
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  # Databases left behind by earlier test runs.
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'canyu_t_%'" \
    | while read -r db; do [ -n "$db" ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\"" || true; done
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  log "installing Debian's Chromium"
  apt_install chromium chromium-driver
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then return 0; fi
  log "installing Node.js"
  apt_install nodejs npm
}

case "${1:-all}" in
  postgres) ensure_postgres && ensure_test_database ;;
  browser) ensure_chromium && ensure_node ;;
  all)
    if ensure_postgres && ensure_test_database; then
      echo "postgres://postgres@127.0.0.1:5432/test"
    else
      log "PostgreSQL unavailable: the PostgreSQL half of the tests will be skipped"
    fi
    ensure_chromium || log "Chromium unavailable"
    ensure_node || log "Node.js unavailable"
    ;;
esac

# --- SMTP server for canyu-notify's email tests ------------------------------------------------
# crates/notify/tests/smtp.rs runs a real SMTP server from python3 (tests/smtp_sink.py): aiosmtpd
# when installed, else the standard library's smtpd, which Python 3.12 removed. Best effort and
# quiet: stdout stays the PostgreSQL URL that callers capture, and without either module the
# email tests print "skipping" instead of failing. The exit status stays that of the section
# above.
services_status=$?
ensure_aiosmtpd() {
  command -v python3 >/dev/null 2>&1 || { log "python3 not found: the SMTP tests will be skipped"; return 0; }
  python3 -c 'import aiosmtpd' >/dev/null 2>&1 && return 0
  log "installing aiosmtpd for the SMTP tests"
  python3 -m pip install -q --disable-pip-version-check aiosmtpd >/dev/null 2>&1 \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages aiosmtpd >/dev/null 2>&1 \
    || log "could not install aiosmtpd: the SMTP tests use smtpd if this Python still has it"
  return 0
}

case "${1:-all}" in
  smtp | all) ensure_aiosmtpd ;;
esac

# --- Redis for canyu-launch's Redis stock engine tests ------------------------------------------
# crates/launch/tests/redis_engine.rs runs against Redis on 127.0.0.1:6379 when
# CANYU_TEST_REDIS_URL is set (scripts/test.sh sets it when Redis answers). Started without
# persistence: the tests need a scratch store, not durability. Logs go to stderr only, and the
# exit status stays that of the PostgreSQL section above.
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
  if redis_up; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installing Redis"
    apt_install redis-server || return 1
  fi
  log "starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >&2 || return 1
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  redis_up || { log "Redis did not start"; return 1; }
}

case "${1:-all}" in
  redis | all) ensure_redis || log "Redis unavailable: the Redis engine tests will be skipped" ;;
esac
exit "$services_status"
