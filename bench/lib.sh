# Shared helpers for the bench scripts (source it; needs bash).
# Everything listens on 127.0.0.1 only, and every wait is bounded.

HOST=127.0.0.1
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

require_basics() {
  [[ $(id -u) -eq 0 ]] || die "run as root (PostgreSQL is started via runuser -u postgres)"
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL 15 not found in $PG_BIN"
  command -v pgbench >/dev/null || die "pgbench not found"
  command -v python3 >/dev/null || die "python3 not found"
  if ! command -v haproxy >/dev/null; then
    echo "installing haproxy..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  fi
}

# require_pgfloat: PGFLOAT_BIN must exist unless SKIP_PGFLOAT=1.
require_pgfloat() {
  PGFLOAT_BIN=${PGFLOAT_BIN:-$REPO_ROOT/.build/release/pgfloat}
  SKIP_PGFLOAT=${SKIP_PGFLOAT:-0}
  if [[ $SKIP_PGFLOAT != 1 && ! -x $PGFLOAT_BIN ]]; then
    die "pgfloat binary not found at $PGFLOAT_BIN (swift build -c release, set PGFLOAT_BIN, or SKIP_PGFLOAT=1)"
  fi
}

# make_workdir: sets WORK, a fresh dir that postgres can write into.
make_workdir() {
  WORK=$(mktemp -d "/tmp/pgfloat-$1.XXXXXX")
  chown postgres: "$WORK"   # postgres cannot write into a root-owned dir
}

# pick_port VAR: a free port in 20000-29999 (below the ephemeral range),
# never one handed out before. Sets VAR (no subshell, so USED_PORTS sticks).
USED_PORTS=" "
pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 10000))
    [[ $USED_PORTS == *" $p "* ]] && continue
    if [[ -z $(ss -Htan "( sport = :$p )") ]]; then
      USED_PORTS+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free port found"
}

# wait_pg PORT [PID]: poll until a PostgreSQL answers on PORT (directly or
# through a proxy), for ~20 s at most; fail early if process PID has exited.
wait_pg() {
  local i
  for i in $(seq 1 100); do
    pg_isready -q -h "$HOST" -p "$1" -t 1 && return 0
    if [[ -n ${2:-} ]] && ! kill -0 "$2" 2>/dev/null; then
      echo "process $2 exited before port $1 answered" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "nothing answered on port $1 within ~20s" >&2
  return 1
}

# stop_pid PID: SIGTERM one process we started, up to ~15 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for i in $(seq 1 75); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# start_postgres PORT [extra postgresql.conf lines...]: initdb + start in $WORK/data.
PG_STARTED=0
start_postgres() {
  local port=$1; shift
  runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync >/dev/null
  {
    echo "listen_addresses = '$HOST'"
    echo "port = $port"
    echo "unix_socket_directories = '$WORK'"
    echo "fsync = off"
    echo "synchronous_commit = off"
    printf '%s\n' "$@"
  } >>"$WORK/data/postgresql.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" start -w -t 120 -D "$WORK/data" -l "$WORK/pg.log" >/dev/null \
    || { tail -20 "$WORK/pg.log" >&2; die "postgres did not start"; }
  PG_STARTED=1
}

stop_postgres() {
  [[ $PG_STARTED == 1 ]] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" stop -m immediate -w -t 60 -D "$WORK/data" >/dev/null 2>&1
  PG_STARTED=0
}

# start_haproxy PORT SERVER_PORT MAXCONN: sets HAPROXY_PID. One thread, tcp
# mode, one server, one tcplog line per session to stdout (discarded).
start_haproxy() {
  cat >"$WORK/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $3
    log stdout format raw local0
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 30m
    timeout server 30m
frontend pg
    bind $HOST:$1
    default_backend pg
backend pg
    server pg1 $HOST:$2
EOF
  haproxy -c -q -f "$WORK/haproxy.cfg" || die "bad haproxy config"
  # -db: stay in the foreground as one process, so $! is the process doing the work.
  # stderr gets only startup alerts.
  haproxy -db -f "$WORK/haproxy.cfg" >/dev/null 2>"$WORK/haproxy.err" &
  HAPROXY_PID=$!
  wait_pg "$1" "$HAPROXY_PID" || { cat "$WORK/haproxy.err" >&2; die "haproxy did not start"; }
}

# start_pgfloat PORT SERVER_PORT MAXCONN [RELAY]: sets PGFLOAT_PID and
# PGFLOAT_SOCK (its admin socket). Same shape as HAProxy: one server, one
# session log line per session to stderr (discarded). RELAY is [global] relay
# (epoll, the default, sockmap or auto); config and socket are named after it
# so an epoll and a sockmap instance can run side by side in one $WORK.
# RELAY_HANDOFF_AGE sets [global] relay_handoff_age (pgfloat's 100ms unless given).
start_pgfloat() {
  local relay=${4:-epoll}
  local config=$WORK/pgfloat-$relay.toml
  PGFLOAT_SOCK=$WORK/pgfloat-$relay.sock
  cat >"$config" <<EOF
[global]
shutdown_grace = "10s"
log_sessions = true
relay = "$relay"
relay_handoff_age = "${RELAY_HANDOFF_AGE:-100ms}"
admin_socket = "$PGFLOAT_SOCK"

[defaults]
timeout_connect = "5s"
timeout_client = "30m"
timeout_server = "30m"
timeout_queue = "30s"
retries = 3
maxconn = $3

[check]
type = "tcp"
interval = "1s"
timeout = "1s"
rise = 1
fall = 3

[[server]]
name = "pg1"
address = "$HOST:$2"
weight = 100
maxconn = $3

[[listener]]
name = "bench"
bind = ["$HOST:$1"]
role = "any"
balance = "roundrobin"
maxconn = $3
servers = ["pg1"]
EOF
  # check prints "valid" on stdout, which carries the scripts' result tables.
  "$PGFLOAT_BIN" check -c "$config" >&2 || die "pgfloat check rejected the bench config"
  "$PGFLOAT_BIN" run -c "$config" >/dev/null 2>&1 &
  PGFLOAT_PID=$!
  wait_pg "$1" "$PGFLOAT_PID" || die "pgfloat did not start (try: $PGFLOAT_BIN run -c <config>)"
}

# info_value SOCK KEY: KEY's value in `show info` of the pgfloat whose admin
# socket is SOCK; empty when the key is missing.
info_value() {
  "$PGFLOAT_BIN" ctl -s "$1" "show info" | awk -F': ' -v k="$2" '$1 == k { print $2; exit }'
}

# expect_relay SOCK RELAY: fail unless the pgfloat on SOCK runs RELAY. A
# sockmap that cannot load falls back to epoll with only a warning (by
# design, for production), which would label epoll numbers "sockmap" here.
expect_relay() {
  local relay
  relay=$(info_value "$1" Relay) || die "show info on $1 failed"
  [[ $relay == "$2" ]] \
    || die "pgfloat asked for relay $2 runs '$relay' (RelayFallback: $(info_value "$1" RelayFallback))"
}

# cpu_ticks PID: utime+stime in clock ticks (fields 14, 15 of /proc/PID/stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# rss_kb PID: resident set size in KB.
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# machine_busy_ticks: busy jiffies of the whole machine, all CPUs (/proc/stat
# "cpu" line: user+nice+system+irq+softirq+steal; guest time is already in
# user). Kernel work done in softirq or a kworker, as the sockmap relay's, is
# charged to whichever task it interrupts or to no proxy at all, so only the
# machine-wide figure compares relays that move bytes in different places.
machine_busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# kernel_mem_kb: "SLAB_KB TCP_KB", the kernel memory sessions cost outside any
# process's RSS: /proc/meminfo Slab (socket structs, skbs, the sockmap relay's
# psocks) and /proc/net/sockstat's TCP mem (pages charged to TCP buffers).
kernel_mem_kb() {
  local slab pages
  slab=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)
  pages=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat)
  echo "$slab $((pages * $(getconf PAGESIZE) / 1024))"
}

# pgsql_check_sections: the [defaults] and [check] tables the failover benchmarks give pgfloat (its defaults with
# pgsql checks), so every benchmark measures the same settings.
pgsql_check_sections() {
  cat <<'EOF'
[defaults]
timeout_connect = "5s"
timeout_client = "30m"
timeout_server = "30m"
timeout_queue = "30s"
retries = 3
maxconn = 1000

[check]
type = "pgsql"
interval = "3s"
fast_interval = "500ms"
timeout = "2s"
rise = 2
fall = 3
user = "postgres"
database = "postgres"
EOF
}
