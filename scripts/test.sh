#!/usr/bin/env bash
# Runs the whole test suite on SQLite with files on disk, then again on PostgreSQL with files in
# an S3 bucket (Garage, scripts/garage.sh; PROOFROOM_TEST_S3 names another S3 server).
#
# PostgreSQL: PROOFROOM_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) names a
# server where each test makes and drops its own database. Without one, the PostgreSQL run is
# skipped with a warning, except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url=${PROOFROOM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
GARAGE_VERSION=2.5.0

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

# Garage, a real S3 server (the object-storage stories, and the PostgreSQL run below keeps every
# test server's files in it). Built once per machine into cargo's own bin folder, outside this
# checkout: about 11 minutes on 2 cores.
if [ -z "${PROOFROOM_TEST_S3:-}" ]; then
  garage_bin=$(command -v garage || echo "${CARGO_HOME:-$HOME/.cargo}/bin/garage")
  if [ ! -x "$garage_bin" ]; then
    echo "== installing Garage (cargo install garage --locked; once per machine)"
    if ! cargo install garage --locked --version "$GARAGE_VERSION" >target/garage-install.log 2>&1; then
      tail -20 target/garage-install.log >&2
      if [ "${CI:-}" = "true" ]; then
        echo "error: cannot install Garage; CI needs an S3 server" >&2
        exit 1
      fi
      echo "warning: no Garage; the object-storage stories will be skipped" >&2
    fi
  fi
  if [ -x "$garage_bin" ]; then
    garage_dir=$PWD/target/test-garage
    rm -rf "$garage_dir"
    s3_port=$((24000 + RANDOM % 8000))
    if ! GARAGE="$garage_bin" scripts/garage.sh "$garage_dir" "$s3_port" >"$garage_dir.out" 2>&1; then
      cat "$garage_dir.out" >&2
      exit 1
    fi
    trap 'kill "$(cat "$garage_dir/pid")" 2>/dev/null || true' EXIT
    PROOFROOM_TEST_S3=$(tail -n1 "$garage_dir.out")
    export PROOFROOM_TEST_S3
    head -n1 "$garage_dir.out"
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

# PostgreSQL with object storage is how a host of many runs: this run keeps every test
# server's files in the S3 bucket, so S3 is never a side path.
store=files
[ -n "${PROOFROOM_TEST_S3:-}" ] && store=s3
echo "== tests on PostgreSQL ($pg_url), files in: $store"
PROOFROOM_TEST_STORE=$store PROOFROOM_TEST_POSTGRES="$pg_url" cargo test --workspace --locked "$@"
