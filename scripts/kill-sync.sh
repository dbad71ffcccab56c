#!/usr/bin/env bash
# Kills the connector with SIGKILL at random points of its syncs, CYCLES times (default 1,000),
# then checks that every client action landed in the inbox exactly once and that the server
# shows each acknowledged. The suite runs the same story with 50 cycles.
#
#   scripts/kill-sync.sh [CYCLES]        PROOFROOM_KILL_SEED=N repeats a run's random points
#
# SQLite by default; set PROOFROOM_TEST_POSTGRES to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROOFROOM_KILL_CYCLES=${1:-1000}
cargo build --locked -p proofroom-connector
cargo test --locked -p proofroom-tests --test reliability -- --exact \
  a_connector_killed_at_random_points_loses_and_doubles_nothing --nocapture
