#!/usr/bin/env bash
# Runs the whole test suite on SQLite, then again on PostgreSQL.
#
# PostgreSQL: PROOFROOM_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) names a
# server where each test makes and drops its own database. Without one, the PostgreSQL run is
# skipped with a warning, except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url=${PROOFROOM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

# The real peers some stories talk to, from PyPI, in a virtualenv of their own under target/:
# aiosmtpd (an SMTP server the email stories read), localstripe (Stripe's API for payments),
# radicale and xandikos (CalDAV/CardDAV servers the calendar stories sync with).
py_env=target/test-python
if [ -z "${PYTHON:-}" ]; then
  if ! "$py_env/bin/python" -c 'import aiosmtpd, localstripe, radicale, xandikos' >/dev/null 2>&1; then
    echo "== installing aiosmtpd, localstripe, radicale and xandikos into $py_env"
    if python3 -m venv "$py_env" && "$py_env/bin/pip" install --quiet aiosmtpd localstripe radicale xandikos; then
      :
    elif [ "${CI:-}" = "true" ]; then
      echo "error: cannot install the Python peers from PyPI; CI needs them" >&2
      exit 1
    else
      echo "warning: cannot install the Python peers; the email, payment and calendar stories will be skipped" >&2
    fi
  fi
  if "$py_env/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then
    export PYTHON="$PWD/$py_env/bin/python"
  fi
fi

# axe-core (npm), which the browser stories run on every page they visit, under target/ too.
axe=target/test-node/node_modules/axe-core/axe.min.js
if [ -z "${PROOFROOM_AXE:-}" ]; then
  if [ ! -f "$axe" ]; then
    echo "== installing axe-core into target/test-node"
    mkdir -p target/test-node
    if npm install --prefix target/test-node --no-save --no-audit --no-fund axe-core@4.14.1 >/dev/null; then
      :
    elif [ "${CI:-}" = "true" ]; then
      echo "error: cannot install axe-core from npm; CI needs it" >&2
      exit 1
    else
      echo "warning: cannot install axe-core; the browser stories will not check accessibility" >&2
    fi
  fi
  if [ -f "$axe" ]; then
    export PROOFROOM_AXE="$PWD/$axe"
  fi
fi

echo "== tests on SQLite"
env -u PROOFROOM_TEST_POSTGRES cargo test --workspace --locked "$@"

pg_ready() { psql "$pg_url" -qtAc 'select 1' >/dev/null 2>&1; }
if ! pg_ready && command -v pg_ctlcluster >/dev/null 2>&1; then
  # The machine's own cluster may just be stopped.
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
  sleep 2
fi
if ! pg_ready; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: PostgreSQL is not reachable at $pg_url; CI needs it for the PostgreSQL run" >&2
    exit 1
  fi
  echo "warning: PostgreSQL is not reachable at $pg_url; skipped the PostgreSQL run" >&2
  exit 0
fi

echo "== tests on PostgreSQL ($pg_url)"
PROOFROOM_TEST_POSTGRES="$pg_url" cargo test --workspace --locked "$@"
