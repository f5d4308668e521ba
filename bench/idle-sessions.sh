#!/usr/bin/env bash
# Memory per idle session: RSS of pgfloat and of HAProxy (1 thread, mode tcp)
# with N idle, authenticated PostgreSQL sessions held open through each.
#
#   bench/idle-sessions.sh                  # as root, N=5000
#   N=500 bench/idle-sessions.sh            # quick try
#   SKIP_PGFLOAT=1 bench/idle-sessions.sh   # HAProxy only
#
# Env: N (5000), PGFLOAT_BIN (default <repo>/.build/release/pgfloat),
#      SKIP_PGFLOAT (0), PG_BIN (/usr/lib/postgresql/15/bin).
# The proxies are measured one after the other against one PostgreSQL with
# max_connections = N+20, so only N backends exist at a time (~1-2 MB each).
set -euo pipefail
BENCH_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$BENCH_DIR/lib.sh"

N=${N:-5000}
MAXCONN=$((N + 100))

require_basics
require_pgfloat

# Each session costs a socket in the client, two in the proxy: raise the soft
# fd limit to the hard one and check it is enough (HAProxy wants ~2*maxconn).
ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) >= 2 * MAXCONN + 100 )) \
  || die "fd limit $(ulimit -n) too low for N=$N (need $((2 * MAXCONN + 100)))"

make_workdir idle
HAPROXY_PID="" PGFLOAT_PID="" HOLD_PID=""
cleanup() {
  set +e
  [[ -n $HOLD_PID ]] && stop_pid "$HOLD_PID"
  [[ -n $PGFLOAT_PID ]] && stop_pid "$PGFLOAT_PID"
  [[ -n $HAPROXY_PID ]] && stop_pid "$HAPROXY_PID"
  stop_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pick_port PG_PORT
# Small shared memory; everything else per-backend stays at defaults.
start_postgres "$PG_PORT" "max_connections = $((N + 20))" "shared_buffers = 16MB" \
  "max_wal_senders = 0" "wal_level = minimal" "autovacuum = off"
echo "postgres on $PG_PORT, max_connections=$((N + 20))" >&2

client_backends() {
  psql -X -At -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -c \
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hold_sessions'"
}

# wait_backends_gone: the previous proxy's backends must exit before the next
# proxy opens N of its own (max_connections has room for only one set).
wait_backends_gone() {
  local i
  for i in $(seq 1 300); do
    [[ $(client_backends) == 0 ]] && return 0
    sleep 0.2
  done
  die "backends of the previous run did not exit within ~60s"
}

RESULTS=()
# measure NAME PID PORT: RSS of PID before and while N sessions go through PORT.
measure() {
  local name=$1 pid=$2 port=$3 before after ready=$WORK/ready.$1 i
  before=$(rss_kb "$pid")
  python3 "$BENCH_DIR/hold_sessions.py" --port "$port" --n "$N" --ready-file "$ready" &
  HOLD_PID=$!
  # Opening takes a few ms per session (each one forks a backend): allow N/20 s + 60.
  for i in $(seq 1 $((5 * (N / 20 + 60)))); do
    [[ -s $ready ]] && break
    kill -0 "$HOLD_PID" 2>/dev/null || die "hold_sessions.py failed through $name"
    sleep 0.2
  done
  [[ -s $ready ]] || die "$N sessions through $name were not open in time"
  local open backends
  open=$(cat "$ready")
  backends=$(client_backends)
  after=$(rss_kb "$pid")
  stop_pid "$HOLD_PID"
  HOLD_PID=""
  (( backends >= N )) || die "$name: only $backends backends for $N sessions"
  RESULTS+=("$name $open $before $after")
  echo "  $name: $open sessions, $backends backends, RSS $before KB -> $after KB" >&2
  wait_backends_gone
}

if [[ $SKIP_PGFLOAT != 1 ]]; then
  pick_port PF_PORT
  start_pgfloat "$PF_PORT" "$PG_PORT" "$MAXCONN"
  measure pgfloat "$PGFLOAT_PID" "$PF_PORT"
  stop_pid "$PGFLOAT_PID"
  PGFLOAT_PID=""
fi

pick_port HA_PORT
start_haproxy "$HA_PORT" "$PG_PORT" "$MAXCONN"
measure haproxy "$HAPROXY_PID" "$HA_PORT"

echo
echo "Idle sessions held open through each proxy (VmRSS of the proxy process)"
echo
echo "| proxy | sessions | RSS before (KB) | RSS with sessions (KB) | KB per session |"
echo "|---|---:|---:|---:|---:|"
for row in "${RESULTS[@]}"; do
  read -r name open before after <<<"$row"
  per=$(awk -v a="$after" -v b="$before" -v n="$open" 'BEGIN { printf "%.1f", (a - b) / n }')
  echo "| $name | $open | $before | $after | $per |"
done
