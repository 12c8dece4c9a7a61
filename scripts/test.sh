#!/usr/bin/env bash
# The test command: formatting, lints, unit and integration tests on SQLite and PostgreSQL,
# then the end-to-end test in headless Chromium. Starts what it needs (scripts/services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CANYU_TEST_POSTGRES_URL:-}" ]; then
  CANYU_TEST_POSTGRES_URL=$(bash scripts/services.sh all || true)
else
  bash scripts/services.sh browser || true
fi
export CANYU_TEST_POSTGRES_URL
if [ -n "$CANYU_TEST_POSTGRES_URL" ]; then
  echo "== PostgreSQL tests use $CANYU_TEST_POSTGRES_URL"
else
  echo "== CANYU_TEST_POSTGRES_URL unset: PostgreSQL runs are skipped (tests say so)"
fi

if [ -z "${CANYU_TEST_REDIS_URL:-}" ]; then
  # `services.sh all` above started Redis already unless PostgreSQL was given; this is a ping then.
  bash scripts/services.sh redis || true
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    CANYU_TEST_REDIS_URL=redis://127.0.0.1:6379
  fi
fi
if [ -n "${CANYU_TEST_REDIS_URL:-}" ]; then
  export CANYU_TEST_REDIS_URL
  echo "== Redis engine tests use $CANYU_TEST_REDIS_URL"
else
  echo "== Redis not answering on 127.0.0.1:6379: Redis engine tests are skipped (tests say so)"
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
echo "== end-to-end in headless Chromium"
# target/debug/canyu was built by `cargo test` for the CLI tests, with the same features.
bash e2e/run.sh target/debug/canyu
