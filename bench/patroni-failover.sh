#!/usr/bin/env bash
# Client-observed write outage after a Patroni failover: HAProxy, pgfloat with `patroni` checks, and pgfloat with
# `patroni` checks plus the etcd watch ([dcs]), side by side in one run.
#
#   bench/patroni-failover.sh                              # as root: 5 crash + 5 switchover rounds
#   ROUNDS=1 SWITCHOVER_ROUNDS=1 bench/patroni-failover.sh  # quick try
#   PGFLOAT_BIN=.build/debug/pgfloat bench/patroni-failover.sh
#   SKIP_PGFLOAT=1 bench/patroni-failover.sh               # HAProxy only
#
# Env: PGFLOAT_BIN (default <repo>/.build/release/pgfloat), ROUNDS (5: leader crashes), SWITCHOVER_ROUNDS (5:
#      `patronictl switchover`s), SKIP_PGFLOAT (0), ROUND_TIMEOUT (90: max seconds from the crash or the switchover
#      to a write on the new leader), PG_BIN (/usr/lib/postgresql/15/bin), LOG_DIR (unset: if set, each round's
#      pgfloat, HAProxy, Patroni and etcd logs are copied there).
#
# Each round builds a fresh Patroni cluster (etcd + 3 nodes, ttl 20, loop_wait 2, retry_timeout 5, via
# Tests/Integration/patroni_harness.py; etcd and a Patroni venv are installed when missing) and puts three
# contenders in front of it:
#   HAProxy               the design document's seed: `option httpchk GET /primary`, `http-check expect status 200`,
#                         `default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`, check port =
#                         each node's Patroni REST port; one thread.
#   pgfloat               `[check] type = "patroni"` at its default timing (interval 3s, fast_interval 500ms, rise 2,
#                         fall 3), check_port = the REST port; listener role primary, balance first,
#                         on_marked_down shutdown-sessions, timeout_queue 30s.
#   pgfloat + etcd watch  the same plus `[dcs] type = "etcd3"` on the cluster's etcd.
# One write loop per contender (fresh psql connection per INSERT, every 50 ms, each in its own thread). The first
# SWITCHOVER_ROUNDS rounds run `patronictl switchover` and let the cluster settle; then the leader crashes (SIGKILL
# of its Patroni, `pg_ctl stop -m immediate` of its PostgreSQL). A streaming etcd watch on the leader key timestamps
# Patroni's write of the new leader, and a direct `SELECT pg_is_in_recovery()` loop on that node the moment it is
# promoted. Reported per contender: event -> first INSERT on the new leader, leader key -> that INSERT, promoted ->
# that INSERT; medians over the rounds. Patroni's own rows give event -> leader key and event -> promoted (Patroni
# takes the key first and promotes after; that gap is sometimes 5 s and counts against every contender alike).
# A round (fresh cluster, one switchover, one crash) takes about 50-60 s of wall time.
#
# Starts etcd, Patroni, PostgreSQL, HAProxy and pgfloat on 127.0.0.1 only, and stops exactly those (by handle).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
SWITCHOVER_ROUNDS=${SWITCHOVER_ROUNDS:-5}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-90}

require_basics
require_pgfloat
[[ $SKIP_PGFLOAT == 1 ]] && PGFLOAT_BIN=""
export PG_BIN   # the harness reads it

exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/patroni_failover.py" --pgfloat "$PGFLOAT_BIN" \
  --rounds "$ROUNDS" --switchover-rounds "$SWITCHOVER_ROUNDS" --timeout "$ROUND_TIMEOUT" \
  --log-dir "${LOG_DIR:-}"
