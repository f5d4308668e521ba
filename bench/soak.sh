#!/usr/bin/env bash
# Soak: pgbench through pgfloat for SOAK_MINUTES with a failover every FAILOVER_EVERY minutes; pgfloat's VmRSS
# and descriptor count sampled each minute must stay flat.
#
#   bench/soak.sh                                   # as root: 30 minutes, release binary
#   SOAK_MINUTES=6 bench/soak.sh                    # quick try
#   PGFLOAT_BIN=.build/debug/pgfloat bench/soak.sh
#
# Env: SOAK_MINUTES (30), FAILOVER_EVERY (2, minutes), PGFLOAT_BIN (default <repo>/.build/release/pgfloat),
#      SCALE (10, pgbench scale), CLIENTS (4: pgbench clients on kept connections), CHURN_CLIENTS (2: pgbench
#      -C clients, a new connection per transaction), PG_BIN (/usr/lib/postgresql/15/bin), LOG_DIR (unset: if
#      set, pgfloat's log, the pgbench logs and the samples are copied there).
#
# Two PostgreSQL 15 nodes (a primary and a streaming standby) behind one pgfloat listener (role primary, balance
# first, pgsql checks at failover.sh's timing, on_marked_down shutdown-sessions, timeout_queue 30s, session log
# on, admin socket and stats port on). Two pgbench loops run the default TPC-B-like script for the whole time:
# CLIENTS on kept connections and CHURN_CLIENTS with -C, so sessions are opened and closed all along. A failover
# aborts the clients of the old primary; each loop starts pgbench again at once (its new connections wait in
# pgfloat's queue until the new primary is confirmed).
#
# A failover (every FAILOVER_EVERY minutes, right after that minute's sample, never after the last one): the
# primary is stopped with `pg_ctl stop -m immediate` (a crash), the standby promoted (`pg_ctl promote`), and the
# old primary re-made a standby of the new one with a fresh `pg_basebackup -R` (the simplest way that is always
# right: after a crash the old primary may hold WAL the standby never got, which pg_rewind could fix only with
# wal_log_hints or checksums). The next failover goes the other way.
#
# Each minute: pgfloat's VmRSS, descriptors (/proc/PID/fd), threads, and sessions now/total (`pgfloat ctl show
# info`); /metrics and /status.json are scraped too, so the control plane is exercised. At the end the samples
# are printed as a table with a verdict (bench/soak_tools.py report explains it): flat when the last minutes'
# median is within 10% of the median of minutes N/6..N/3 (5..10 for 30 minutes), after the warm-up.
#
# Starts PostgreSQL and pgfloat on 127.0.0.1 only and stops exactly those (by PID / data dir) on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOAK_MINUTES=${SOAK_MINUTES:-30}
FAILOVER_EVERY=${FAILOVER_EVERY:-2}
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-4}
CHURN_CLIENTS=${CHURN_CLIENTS:-2}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/soak_tools.py
(( SOAK_MINUTES >= 1 )) || die "SOAK_MINUTES must be at least 1"

require_basics
require_pgfloat
[[ $SKIP_PGFLOAT != 1 ]] || die "the soak measures pgfloat: SKIP_PGFLOAT=1 makes no sense here"

make_workdir soak
PF_PID="" LOOP_PIDS=() DATADIRS=()
cleanup() {
  set +e
  local pid dir
  touch "$WORK/stop" 2>/dev/null
  for pid in "${LOOP_PIDS[@]}"; do stop_pid "$pid"; done
  [[ -n $PF_PID ]] && stop_pid "$PF_PID"
  for dir in "${DATADIRS[@]}"; do
    if [[ -f $dir/postmaster.pid ]]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" stop -m immediate -w -t 60 -D "$dir" >/dev/null 2>&1
    fi
  done
  if [[ -n ${LOG_DIR:-} ]]; then
    mkdir -p "$LOG_DIR"
    cp "$WORK"/pgfloat.log "$WORK"/pgbench-*.log "$WORK"/samples.tsv "$WORK"/failovers.log "$LOG_DIR"/ 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- "$@"; }
psql_at() { psql -X -At -h "$HOST" -p "$1" -U postgres -d postgres -c "$2"; }
export PGSSLMODE=disable PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10

# ---------------------------------------------------------------- the two nodes
# Node i: port PGP[i], data dir DD[i]; PRIMARY is the index of the current primary.
pick_port "PGP[0]"; pick_port "PGP[1]"
DD=("$WORK/node0" "$WORK/node1")
PRIMARY=0

start_node() {  # start_node I
  DATADIRS+=("${DD[$1]}")
  as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "${DD[$1]}" -l "$WORK/node$1.log" >/dev/null \
    || { tail -20 "$WORK/node$1.log" >&2; die "node$1 did not start"; }
}

# wait_streaming PRIMARY_INDEX: the other node streams from it (~60 s at most).
wait_streaming() {
  local i
  for i in $(seq 1 300); do
    [[ $(psql_at "${PGP[$1]}" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null) \
       == 1 ]] && return 0
    sleep 0.2
  done
  die "the standby did not start streaming from node$1"
}

# make_standby I FROM: node I becomes a fresh standby of node FROM.
make_standby() {
  rm -rf "${DD[$1]}"
  as_pg "$PG_BIN/pg_basebackup" -h "$HOST" -p "${PGP[$2]}" -U postgres -D "${DD[$1]}" -R -X stream -c fast --no-sync
  # The copied postgresql.conf names the source's port; the last line wins.
  echo "port = ${PGP[$1]}" >>"${DD[$1]}/postgresql.conf"
  start_node "$1"
  wait_streaming "$2"
}

as_pg "$PG_BIN/initdb" -D "${DD[0]}" -U postgres -A trust --no-sync >/dev/null
cat >>"${DD[0]}/postgresql.conf" <<EOF
listen_addresses = '$HOST'
port = ${PGP[0]}
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 10
hot_standby = on
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
start_node 0
pgbench -i -q -s "$SCALE" -h "$HOST" -p "${PGP[0]}" -U postgres postgres >/dev/null 2>&1 || die "pgbench -i failed"
make_standby 1 0

# ---------------------------------------------------------------- pgfloat
pick_port PF_PORT
pick_port STATS_PORT
SOCK=$WORK/admin.sock
# RELAY: epoll unless given (RELAY=sockmap soaks the kernel relay).
cat >"$WORK/pgfloat.toml" <<EOF
[global]
shutdown_grace = "5s"
log_sessions = true
relay = "${RELAY:-epoll}"
admin_socket = "$SOCK"
stats_bind = "$HOST:$STATS_PORT"

$(pgsql_check_sections)

[[server]]
name = "node0"
address = "$HOST:${PGP[0]}"

[[server]]
name = "node1"
address = "$HOST:${PGP[1]}"

[[listener]]
name = "postgres_primary"
bind = ["$HOST:$PF_PORT"]
role = "primary"
balance = "first"
on_marked_down = "shutdown-sessions"
servers = ["node0", "node1"]
EOF
"$PGFLOAT_BIN" check -c "$WORK/pgfloat.toml" || die "pgfloat check rejected the soak config"
"$PGFLOAT_BIN" run -c "$WORK/pgfloat.toml" >"$WORK/pgfloat.log" 2>&1 &
PF_PID=$!

# wait_routed WANT_PORT: through pgfloat, a connection reaches the node on WANT_PORT (~60 s at most).
wait_routed() {
  local i got
  for i in $(seq 1 120); do
    kill -0 "$PF_PID" 2>/dev/null || { tail -20 "$WORK/pgfloat.log" >&2; die "pgfloat exited"; }
    got=$(PGCONNECT_TIMEOUT=5 psql_at "$PF_PORT" "SELECT inet_server_port()" 2>/dev/null) || true
    [[ $got == "$1" ]] && return 0
    sleep 0.5
  done
  tail -20 "$WORK/pgfloat.log" >&2
  die "pgfloat did not route to port $1"
}
wait_routed "${PGP[0]}"

# ---------------------------------------------------------------- pgbench loops
# The clock starts here; pgbench runs on 20 s past the last sample, so the last minutes are measured under load.
START=$(date +%s)
END_AT=$(( START + SOAK_MINUTES * 60 + 20 ))
# pgbench_loop NAME ARGS...: runs pgbench (at most 5 minutes at a time; a failover ends it sooner) until END_AT or
# the stop file; one summary line per run in pgbench-NAME.log (exit status, transactions, failed, aborted clients).
pgbench_loop() {
  local name=$1 left out rc; shift
  while [[ ! -e $WORK/stop ]]; do
    left=$(( END_AT - $(date +%s) ))
    (( left >= 2 )) || break
    (( left > 300 )) && left=300
    rc=0
    out=$(pgbench -n -T "$left" -h "$HOST" -p "$PF_PORT" -U postgres "$@" postgres 2>&1) || rc=$?
    printf '%s rc=%s tx=%s failed=%s aborted=%s\n' "$(date +%T)" "$rc" \
      "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")" \
      "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")" \
      "$(grep -c 'client [0-9]* aborted' <<<"$out" || true)" >>"$WORK/pgbench-$name.log"
    (( rc == 0 )) || sleep 0.5
  done
}
pgbench_loop kept -c "$CLIENTS" -j 2 &
LOOP_PIDS+=($!)
pgbench_loop churn -C -c "$CHURN_CLIENTS" -j 1 &
LOOP_PIDS+=($!)

# ---------------------------------------------------------------- samples and failovers
SAMPLES=$WORK/samples.tsv
printf 'minute\trss_kb\tfds\tthreads\tcur_conns\tcum_conns\tfailovers\tprimary\n' >"$SAMPLES"
FAILOVERS=0
: >"$WORK/failovers.log"
info_field() { awk -F': ' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
sample() {  # sample MINUTE
  local info rss fds threads
  kill -0 "$PF_PID" 2>/dev/null || { tail -20 "$WORK/pgfloat.log" >&2; die "pgfloat exited during the soak"; }
  info=$("$PGFLOAT_BIN" ctl -s "$SOCK" "show info" 2>/dev/null) || info=""
  curl -fsS -o /dev/null "http://$HOST:$STATS_PORT/metrics" || echo "scrape of /metrics failed" >&2
  curl -fsS -o /dev/null "http://$HOST:$STATS_PORT/status.json" || echo "scrape of /status.json failed" >&2
  rss=$(rss_kb "$PF_PID")
  fds=$(ls "/proc/$PF_PID/fd" | wc -l)
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$PF_PID/status")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss" "$fds" "$threads" "$(info_field CurrConns "$info")" \
    "$(info_field CumConns "$info")" "$FAILOVERS" "node$PRIMARY" >>"$SAMPLES"
  echo "  minute $1: RSS ${rss} KB, ${fds} fds, primary node$PRIMARY" >&2
}

failover() {
  local old=$PRIMARY new=$(( 1 - PRIMARY )) t0 t1
  t0=$(date +%s.%N)
  as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -t 60 -D "${DD[$old]}" >/dev/null
  as_pg "$PG_BIN/pg_ctl" promote -w -t 60 -D "${DD[$new]}" >/dev/null
  PRIMARY=$new
  wait_routed "${PGP[$new]}"
  t1=$(date +%s.%N)
  make_standby "$old" "$new"
  FAILOVERS=$(( FAILOVERS + 1 ))
  awk -v n="$FAILOVERS" -v o="$old" -v w="$new" -v t0="$t0" -v t1="$t1" -v t2="$(date +%s.%N)" 'BEGIN {
    printf "failover %d: node%d -> node%d, routed to the new primary after %.1f s, old primary streaming again " \
           "after %.1f s\n", n, o, w, t1 - t0, t2 - t0 }' | tee -a "$WORK/failovers.log" >&2
}

echo "soak: $SOAK_MINUTES min, failover every $FAILOVER_EVERY min, pgfloat $PGFLOAT_BIN (pid $PF_PID)," \
  "pgbench scale $SCALE: $CLIENTS kept + $CHURN_CLIENTS -C clients" >&2
sample 0
for minute in $(seq 1 "$SOAK_MINUTES"); do
  now=$(date +%s)
  (( START + minute * 60 > now )) && sleep $(( START + minute * 60 - now ))
  sample "$minute"
  if (( minute % FAILOVER_EVERY == 0 && minute < SOAK_MINUTES )); then failover; fi
done
touch "$WORK/stop"
for pid in "${LOOP_PIDS[@]}"; do wait "$pid" || true; done
LOOP_PIDS=()

echo
echo "pgfloat soak: $SOAK_MINUTES minutes, $FAILOVERS failovers, pgbench through pgfloat (release: $PGFLOAT_BIN)"
for name in kept churn; do
  awk -v n="$name" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] }
                      runs++; if ($2 != "rc=0") bad++ }
       END { printf "pgbench %s: %d runs (%d ended by a failover or error), %d transactions, %d failed\n",
             n, runs, bad, v["tx"], v["failed"] }' "$WORK/pgbench-$name.log"
done
cat "$WORK/failovers.log"
echo "pgfloat log: $(wc -l <"$WORK/pgfloat.log") lines, $(grep -c 'end=' "$WORK/pgfloat.log" || true) sessions"
echo
status=0
python3 "$TOOLS" report "$SAMPLES" || status=$?
exit "$status"
