#!/usr/bin/env bash
# Client-observed write outage after a promotion: HAProxy vs pgfloat, side by side.
#
#   bench/failover.sh                                   # as root: 5 rounds
#   ROUNDS=1 bench/failover.sh                          # quick try
#   PGFLOAT_BIN=.build/debug/pgfloat bench/failover.sh
#   SKIP_PGFLOAT=1 bench/failover.sh                    # HAProxy only
#
# Env: PGFLOAT_BIN (default <repo>/.build/release/pgfloat), ROUNDS (5), SKIP_PGFLOAT (0),
#      ROUND_TIMEOUT (60: max seconds from the stop to a write on the new primary),
#      PG_BIN (/usr/lib/postgresql/15/bin), LOG_DIR (unset: if set, each round's pgfloat
#      log is copied there).
#
# Each round builds a fresh 3-node cluster (primary + 2 streaming standbys), puts both
# proxies in front of it, runs one write loop per proxy (a fresh psql connection per
# INSERT, one every 50 ms), stops the primary with `pg_ctl stop -m immediate`, promotes
# standby1 at once (`pg_ctl promote`, as repmgr or pg_auto_failover would) and records,
# per proxy, the time from the promotion (standby1 answers pg_is_in_recovery() = f) and
# from the stop to the first INSERT that lands on standby1. Medians over ROUNDS. The stop
# comes a random 0-3 s (one check interval) after the write loops are warm, so rounds do
# not all hit the proxies' check schedules at the same phase.
#
# HAProxy's checks. RFC-007 routes writes with `option httpchk GET /primary` against
# Patroni's REST API. There is no Patroni here, and HAProxy's own alternatives are no
# fair comparison: `option pgsql-check` and tcp-check only see that PostgreSQL answers,
# so they are role-blind (they would keep routing writes to a standby), and the RFC's
# `external-check` script forks per check and is slower still. So each node gets a tiny
# HTTP "role agent" (failover_tools.py agent) that answers GET /primary with 200 iff
# `SELECT pg_is_in_recovery()` returns f, queried with psql per request: what Patroni's
# /primary tells HAProxy, without Patroni. HAProxy keeps the RFC's settings:
# `inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`, one thread.
#
# pgfloat uses its default check timing with `pgsql` checks: interval 3s, fast_interval
# 500ms, rise 2, fall 3, timeout 2s; listener role primary, balance first,
# timeout_queue 30s (clients wait instead of failing while there is no primary).
#
# Starts PostgreSQL, HAProxy, the agents and pgfloat on 127.0.0.1 only, and stops
# exactly those (by PID / data dir) on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-60}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/failover_tools.py

require_basics
require_pgfloat

make_workdir failover
PIDS=()        # every process this script started, stopped by PID
DATADIRS=()    # every data dir this script started a postmaster in
cleanup() {
  set +e
  local pid dir
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for dir in "${DATADIRS[@]}"; do
    if [[ -f $dir/postmaster.pid ]]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" stop -m immediate -w -t 60 -D "$dir" >/dev/null 2>&1
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- "$@"; }

# ---------------------------------------------------------------- one round's pieces
# build_cluster DIR: sets PGP[0..2] and DD[0..2] (primary, standby1, standby2).
build_cluster() {
  local dir=$1 i
  PGP=() DD=()
  for i in 0 1 2; do pick_port "PGP[$i]"; DD[i]=$dir/node$i; done
  as_pg "$PG_BIN/initdb" -D "${DD[0]}" -U postgres -A trust --no-sync >/dev/null
  cat >>"${DD[0]}/postgresql.conf" <<EOF
listen_addresses = '$HOST'
port = ${PGP[0]}
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 10
hot_standby = on
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  DATADIRS+=("${DD[0]}")
  as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "${DD[0]}" -l "$dir/node0.log" >/dev/null
  for i in 1 2; do
    as_pg "$PG_BIN/pg_basebackup" -h "$HOST" -p "${PGP[0]}" -U postgres -D "${DD[i]}" -R -X stream \
      -c fast --no-sync
    echo "port = ${PGP[i]}" >>"${DD[i]}/postgresql.conf"
    DATADIRS+=("${DD[i]}")
    as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "${DD[i]}" -l "$dir/node$i.log" >/dev/null
  done
  for i in $(seq 1 100); do   # ~20 s at most
    [[ $(psql -X -At -h "$HOST" -p "${PGP[0]}" -U postgres -d postgres \
         -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 2 ]] && break
    (( i == 100 )) && die "standbys did not start streaming"
    sleep 0.2
  done
  psql -X -q -h "$HOST" -p "${PGP[0]}" -U postgres -d postgres \
    -c "CREATE TABLE bench_writes (id bigserial PRIMARY KEY, proxy text, at timestamptz DEFAULT now())"
}

# start_agents DIR: one process, one HTTP port per node; sets AGP[0..2].
start_agents() {
  local i map=()
  AGP=()
  for i in 0 1 2; do pick_port "AGP[$i]"; map+=("${AGP[i]}=${PGP[i]}"); done
  python3 "$TOOLS" agent "${map[@]}" >"$1/agent.log" 2>&1 &
  PIDS+=($!)
}

# start_haproxy_rfc DIR PORT: sets HA_PID.
start_haproxy_rfc() {
  local dir=$1 port=$2
  cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 1000
    stats socket $dir/haproxy.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 5s
    timeout client 30m
    timeout server 30m
    retries 3
listen postgres_primary
    bind $HOST:$port
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
    server pg1 $HOST:${PGP[0]} check port ${AGP[0]}
    server pg2 $HOST:${PGP[1]} check port ${AGP[1]}
    server pg3 $HOST:${PGP[2]} check port ${AGP[2]}
EOF
  haproxy -c -q -f "$dir/haproxy.cfg" || die "bad haproxy config"
  haproxy -db -f "$dir/haproxy.cfg" >/dev/null 2>"$dir/haproxy.err" &
  HA_PID=$!
  PIDS+=("$HA_PID")
}

# start_pgfloat_pgsql DIR PORT: sets PF_PID.
start_pgfloat_pgsql() {
  local dir=$1 port=$2 i
  # RELAY: the README's table was measured with epoll; RELAY=sockmap measures the kernel relay.
  cat >"$dir/pgfloat.toml" <<EOF
[global]
shutdown_grace = "5s"
log_sessions = true
relay = "${RELAY:-epoll}"

$(pgsql_check_sections)
EOF
  for i in 0 1 2; do
    printf '\n[[server]]\nname = "pg%s"\naddress = "%s:%s"\n' "$((i + 1))" "$HOST" "${PGP[i]}" >>"$dir/pgfloat.toml"
  done
  cat >>"$dir/pgfloat.toml" <<EOF

[[listener]]
name = "postgres_primary"
bind = ["$HOST:$port"]
role = "primary"
balance = "first"
on_marked_down = "shutdown-sessions"
servers = ["pg1", "pg2", "pg3"]
EOF
  "$PGFLOAT_BIN" check -c "$dir/pgfloat.toml" || die "pgfloat check rejected the failover config"
  "$PGFLOAT_BIN" run -c "$dir/pgfloat.toml" >"$dir/pgfloat.log" 2>&1 &
  PF_PID=$!
  PIDS+=("$PF_PID")
}

# wait_routed PORT WANT_PORT PID: through a proxy, a connection reaches WANT_PORT (~30 s at most).
wait_routed() {
  local i got
  for i in $(seq 1 60); do
    kill -0 "$3" 2>/dev/null || return 1
    got=$(PGCONNECT_TIMEOUT=5 psql -X -At -h "$HOST" -p "$1" -U postgres -d postgres \
          -c "SELECT inet_server_port()" 2>/dev/null) || true
    [[ $got == "$2" ]] && return 0
    sleep 0.5
  done
  return 1
}

# stop_round: stop this round's processes and nodes (also done by the EXIT trap).
stop_round() {
  local pid dir
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for dir in "${DATADIRS[@]}"; do
    if [[ -f $dir/postmaster.pid ]]; then
      as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -t 60 -D "$dir" >/dev/null
    fi
  done
  PIDS=() DATADIRS=()
}

# ---------------------------------------------------------------- rounds
RESULTS=$WORK/results.tsv
: >"$RESULTS"
export PGSSLMODE=disable PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10
proxies="haproxy"; [[ $SKIP_PGFLOAT != 1 ]] && proxies+=" + pgfloat"
echo "running $ROUNDS failover rounds ($proxies)" >&2

for round in $(seq 1 "$ROUNDS"); do
  R=$WORK/round$round
  mkdir "$R" && chown postgres: "$R"
  build_cluster "$R"
  start_agents "$R"
  pick_port HA_PORT
  start_haproxy_rfc "$R" "$HA_PORT"
  proxy_args=(--proxy "haproxy=$HA_PORT")
  if [[ $SKIP_PGFLOAT != 1 ]]; then
    pick_port PF_PORT
    start_pgfloat_pgsql "$R" "$PF_PORT"
    proxy_args+=(--proxy "pgfloat=$PF_PORT")
  fi

  # HAProxy starts with every server UP; the standbys go DOWN after fall x inter.
  python3 "$TOOLS" haproxy-wait "$R/haproxy.sock" --backend postgres_primary --up pg1 --timeout 40 \
    || { cat "$R/haproxy.err" >&2; die "haproxy did not settle on the primary"; }
  if [[ $SKIP_PGFLOAT != 1 ]]; then
    wait_routed "$PF_PORT" "${PGP[0]}" "$PF_PID" \
      || { tail -20 "$R/pgfloat.log" >&2; die "pgfloat did not route to the primary"; }
  fi

  python3 "$TOOLS" round --round "$round" "${proxy_args[@]}" --primary-datadir "${DD[0]}" \
    --standby-datadir "${DD[1]}" --standby-port "${PGP[1]}" --pg-bin "$PG_BIN" \
    --timeout "$ROUND_TIMEOUT" --out "$RESULTS" \
    || { [[ -f $R/pgfloat.log ]] && tail -20 "$R/pgfloat.log" >&2; die "round $round failed"; }
  stop_round
  if [[ -n ${LOG_DIR:-} ]]; then   # keep the proxies' logs of each round
    mkdir -p "$LOG_DIR"
    for f in pgfloat.log haproxy.err agent.log; do
      [[ -f $R/$f ]] && cp "$R/$f" "$LOG_DIR/round$round-$f"
    done
  fi
  rm -rf "$R"
done

python3 "$TOOLS" summary "$RESULTS"
