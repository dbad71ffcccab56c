#!/usr/bin/env bash
# Kills the connector with SIGKILL at random points of its syncs, CYCLES times (default 1,000),
# then checks that every client action landed in the inbox exactly once and that the server
# shows each acknowledged. The suite runs the same story with 50 cycles. Then the orders story:
# 1,000 orders placed while syncs are killed (the suite runs it whole), ORDERS to change it.
#
#   scripts/kill-sync.sh [CYCLES]        PROOFROOM_KILL_SEED=N repeats a run's random points
#
# SQLite by default; set PROOFROOM_TEST_POSTGRES to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROOFROOM_KILL_CYCLES=${1:-1000}
cargo build --locked -p proofroom-connector
export PROOFROOM_KILL_ORDERS=${ORDERS:-1000}
cargo test --locked -p proofroom-tests --test reliability -- --exact \
  a_connector_killed_at_random_points_loses_and_doubles_nothing --nocapture
cargo test --locked -p proofroom-tests --test reliability -- --exact \
  orders_placed_while_the_connector_is_killed_at_random_points_land_once_each --nocapture
