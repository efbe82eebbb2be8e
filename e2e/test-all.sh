#!/usr/bin/env bash
# hookrelay's test command: installs what the tests need (idempotently), then runs
# every check and every test against SQLite, PostgreSQL + Redis and a real browser.
#
#   ./e2e/test-all.sh
#
# Needs: rustup/cargo, PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth,
# database `test`; override with TEST_POSTGRES_URL) and Redis on 127.0.0.1:6379.
# Installs when missing: the wasm32 target, Debian's chromium + chromium-driver, and
# the Python packages of e2e/python/requirements.txt in $HOME/.cache/hookrelay-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build outputs outside the clone: warm runs reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hookrelay-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "prerequisites"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
# Debian packages: the browser for the dashboard tests, redis-server for the tests
# that stop and start a Redis of their own.
missing=""
command -v chromium >/dev/null || missing="$missing chromium"
command -v chromedriver >/dev/null || missing="$missing chromium-driver"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing="$missing redis-server"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
fi
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --port 6379 --save "" --appendonly no >/dev/null || true
fi
# Python tools the e2e tests drive hookrelay with (Svix SDK, schemathesis, …).
VENV="$HOME/.cache/hookrelay-venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r e2e/python/requirements.txt
export HOOKRELAY_PYTHON="$VENV/bin/python"
echo "rustc: $(rustc --version)"
echo "chromium: $(chromium --version 2>/dev/null || echo missing)"
echo "postgres: $(pg_isready -h 127.0.0.1 -p 5432 2>&1 || true)"
echo "redis: $(redis-cli -h 127.0.0.1 -p 6379 ping 2>&1 || true)"

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build"
# The e2e tests run the real binary.
cargo build --workspace --bins --locked

step "test"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
