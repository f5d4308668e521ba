#!/usr/bin/env bash
# Write safety across failovers: for each scenario and proxy, how many writes were acknowledged, how many of those
# are missing from the surviving primary's timeline (lost), and how many the clients saw fail (refused).
#
#   bench/write-safety.sh                             # as root: every scenario, HAProxy and pgfloat
#   SCENARIOS=ab bench/write-safety.sh                # only (a) and (b)
#   PGFLOAT_BIN=.build/debug/pgfloat bench/write-safety.sh
#   SKIP_PGFLOAT=1 bench/write-safety.sh              # HAProxy only
#
# Env: PGFLOAT_BIN (default <repo>/.build/release/pgfloat), SKIP_PGFLOAT (0), SCENARIOS (abcd), PG_BIN
#      (/usr/lib/postgresql/15/bin), LOG_DIR (unset: if set, each scenario's pgfloat logs are copied there).
#
# Scenarios (Tests/Integration/write_safety.py; the integration test test_write_safety.py runs the same code):
#   (a) standby1 promoted by hand (leader key first when there is a store, then catch-up, then `pg_ctl promote`),
#       the old primary left up and writable;  (b) then standby1 dies (`-m immediate`), the old primary still up;
#   (c) a real two-node Patroni failover (ttl 20, loop_wait 2, retry_timeout 5) in which the leader's Patroni is
#       cut off from etcd while its PostgreSQL and REST API stay reachable (needs Patroni: installed when missing);
#   (d) a switchover (old primary `-m fast`, standby1 promoted) under `pgbench -C` through every proxy.
# Contenders, all at once in front of the same cluster, one writer each (a fresh psql connection per INSERT of a
# unique id, one every 50 ms): HAProxy with the design document's primary listener (`option httpchk GET /primary`,
# `inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`; against a role agent where there is no Patroni),
# pgfloat at its default check timing, pgfloat with 250 ms checks, and pgfloat with `[dcs]` (etcd3). pgfloat's
# timeout_queue is 5 s. About 3 minutes in all.
#
# Starts PostgreSQL, etcd, Patroni, HAProxy, role agents and pgfloat on 127.0.0.1 only, and stops exactly those.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_basics
require_pgfloat
[[ $SKIP_PGFLOAT == 1 ]] && PGFLOAT_BIN=""
export PG_BIN   # the harness reads it

exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/write_safety.py" --pgfloat "$PGFLOAT_BIN" \
  --scenarios "${SCENARIOS:-abcd}" --log-dir "${LOG_DIR:-}"
