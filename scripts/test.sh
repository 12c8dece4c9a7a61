#!/usr/bin/env bash
# The test command: formatting, lints, unit and integration tests on SQLite and PostgreSQL,
# then the end-to-end test in headless Chromium. Starts throwaway PostgreSQL and Redis
# instances of its own and stops them at the end (scripts/services.sh); changes nothing of
# the machine's configuration.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/services.sh
source scripts/services.sh
services_init
trap services_stop EXIT INT TERM
# A PostgreSQL or Redis given from outside is used as it is; otherwise throwaway ones.
[ -n "${CANYU_TEST_POSTGRES_URL:-}" ] || services_postgres
[ -n "${CANYU_TEST_REDIS_URL:-}" ] || services_redis
services_smtp_python
services_browser
if [ -n "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL tests use $CANYU_TEST_POSTGRES_URL"
else
  echo "== no PostgreSQL: PostgreSQL runs are skipped (tests say so)"
fi
if [ -n "${CANYU_TEST_REDIS_URL:-}" ]; then
  echo "== Redis engine tests use $CANYU_TEST_REDIS_URL"
else
  echo "== no Redis: Redis engine tests are skipped (tests say so)"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== target/ after the build: $(du -sh target | cut -f1), disk $(df -h --output=avail . | tail -1 | tr -d ' ') free"
echo "== OpenAPI document (openapi-spec-validator)"
bash scripts/openapi_check.sh target/debug/canyu
echo "== generated API clients (Python and TypeScript) on SQLite and PostgreSQL"
bash clients/run.sh target/debug/canyu
echo "== API conformance (schemathesis) on SQLite and PostgreSQL"
bash scripts/conformance.sh target/debug/canyu
echo "== end-to-end in headless Chromium"
# target/debug/canyu was built by `cargo test` for the CLI tests, with the same features.
bash e2e/run.sh target/debug/canyu
