#!/usr/bin/env bash
# Memory per idle session: RSS of pgfloat (per relay) and of HAProxy (1 thread, mode tcp), and the kernel memory
# (Slab, TCP socket memory) of the whole machine, with N idle, authenticated PostgreSQL sessions held open
# through each, and directly as the baseline.
#
#   bench/idle-sessions.sh                  # as root, N=5000
#   N=500 bench/idle-sessions.sh            # quick try
#   SKIP_PGFLOAT=1 bench/idle-sessions.sh   # direct + HAProxy only
#   RELAYS=epoll bench/idle-sessions.sh     # no sockmap instance (a kernel without BPF sockmap)
#
# Env: N (5000), PGFLOAT_BIN (default <repo>/.build/release/pgfloat), RELAYS ("epoll sockmap"),
#      SKIP_PGFLOAT (0), PG_BIN (/usr/lib/postgresql/15/bin).
# The targets are measured one after the other against one PostgreSQL with
# max_connections = N+20, so only N backends exist at a time (~1-2 MB each).
# RSS misses what the sockmap relay moves into the kernel (a psock per socket,
# bytes queued between peers), so Slab and TCP memory are read too. They are
# machine-wide: they include the N backends and the client's sockets, which is
# what the direct row measures; "over direct" is the target's own share.
set -euo pipefail
BENCH_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$BENCH_DIR/lib.sh"

N=${N:-5000}
RELAYS=${RELAYS:-epoll sockmap}
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

# Over the Unix socket: a TCP query would leave a TIME_WAIT socket in the next
# target's kernel memory.
client_backends() {
  psql -X -At -h "$WORK" -p "$PG_PORT" -U postgres -d postgres -c \
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hold_sessions'"
}

# settle PORT: before a target's "before" figures, the previous target's
# backends must exit (max_connections has room for only one set) and its 2N
# TIME_WAIT sockets (client's and proxy's side) must expire (60 s): they sit in
# Slab and would vanish while the next target's sessions open, hiding part of
# its cost. A few remain from pgfloat's TCP checks (one a second).
settle() {
  local i tw
  for i in $(seq 1 300); do
    [[ $(client_backends) == 0 ]] && break
    sleep 0.2
  done
  [[ $(client_backends) == 0 ]] || die "backends of the previous run did not exit within ~60s"
  for i in $(seq 1 400); do
    tw=$(ss -Htan state time-wait "( dport = :$1 or dport = :$PG_PORT )" | wc -l)
    (( tw <= N / 100 + 100 )) && return 0
    sleep 0.2
  done
  echo "warning: $tw TIME_WAIT sockets still there after ~80s" >&2
}

RESULTS=()
# measure NAME PID PORT: RSS of PID (none for direct) and the kernel's Slab and
# TCP memory before and while N sessions go through PORT.
measure() {
  local name=$1 pid=$2 port=$3 before=- after=- ready=$WORK/ready.$1 i kbefore kafter
  settle "$port"
  [[ -n $pid ]] && before=$(rss_kb "$pid")
  kbefore=$(kernel_mem_kb)
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
  [[ -n $pid ]] && after=$(rss_kb "$pid")
  kafter=$(kernel_mem_kb)
  if [[ $name == pgfloat-sockmap ]]; then
    # The figures are the kernel relay's only if the kernel holds these sessions now.
    local in_kernel
    in_kernel=$(info_value "$PGFLOAT_SOCK" KernelSessions)
    (( in_kernel >= N )) || die "$name: only $in_kernel of $N sessions are in the kernel relay"
  fi
  stop_pid "$HOLD_PID"
  HOLD_PID=""
  (( backends >= N )) || die "$name: only $backends backends for $N sessions"
  RESULTS+=("$name $open $before $after $kbefore $kafter")
  echo "  $name: $open sessions, $backends backends, RSS $before KB -> $after KB," \
    "Slab+TCP $kbefore KB -> $kafter KB" >&2
}

measure direct "" "$PG_PORT"

if [[ $SKIP_PGFLOAT != 1 ]]; then
  for relay in $RELAYS; do
    pick_port PF_PORT
    # Idle sessions meet no ReadyForQuery after their first: hand each over then, to count what the kernel holds.
    RELAY_HANDOFF_AGE=0s start_pgfloat "$PF_PORT" "$PG_PORT" "$MAXCONN" "$relay"
    # A sockmap program that cannot load leaves pgfloat on epoll with a warning.
    expect_relay "$PGFLOAT_SOCK" "$relay"
    measure "pgfloat-$relay" "$PGFLOAT_PID" "$PF_PORT"
    stop_pid "$PGFLOAT_PID"
    PGFLOAT_PID=""
  done
fi

pick_port HA_PORT
start_haproxy "$HA_PORT" "$PG_PORT" "$MAXCONN"
measure haproxy "$HAPROXY_PID" "$HA_PORT"

echo
echo "Idle sessions held open through each target: VmRSS of the proxy process; Slab (/proc/meminfo) and TCP"
echo "socket memory (/proc/net/sockstat) of the whole machine, backends and client included; KB per session"
echo
echo "| target | sessions | RSS before -> with (KB) | RSS KB per session | Slab before -> with (KB) |" \
  "Slab KB per session | TCP mem before -> with (KB) | TCP KB per session | Slab+TCP KB per session over direct |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
direct_kernel=""
for row in "${RESULTS[@]}"; do
  read -r name open before after slab0 tcp0 slab1 tcp1 <<<"$row"
  awk -v name="$name" -v n="$open" -v b="$before" -v a="$after" -v s0="$slab0" -v s1="$slab1" \
    -v t0="$tcp0" -v t1="$tcp1" -v base="$direct_kernel" 'BEGIN {
      rss = b == "-" ? "-" : sprintf("%.1f", (a - b) / n)
      kernel = (s1 - s0 + t1 - t0) / n
      over = base == "" ? "-" : sprintf("%+.1f", kernel - base)
      printf "| %s | %d | %s -> %s | %s | %d -> %d | %.1f | %d -> %d | %.1f | %s |\n",
        name, n, b, a, rss, s0, s1, (s1 - s0) / n, t0, t1, (t1 - t0) / n, over
    }'
  if [[ $name == direct ]]; then
    direct_kernel=$(awk -v n="$open" -v s0="$slab0" -v s1="$slab1" -v t0="$tcp0" -v t1="$tcp1" \
      'BEGIN { printf "%.3f", (s1 - s0 + t1 - t0) / n }')
  fi
done
