#!/usr/bin/env bash
# Throughput, CPU cost and latency of direct vs HAProxy (1 thread, mode tcp) vs pgfloat with each relay:
# pgfloat-epoll (user space moves every byte) and pgfloat-sockmap (a BPF sockmap program in the kernel
# relays established sessions), side by side in one run, as issue 17 asks.
#
#   bench/proxy.sh                          # as root: 5 rounds x 4 targets x 3 modes x 10 s per run
#   ROUNDS=1 DURATION=3 bench/proxy.sh      # quick try
#   SKIP_PGFLOAT=1 bench/proxy.sh           # direct + haproxy only
#   RELAYS=epoll bench/proxy.sh             # no sockmap instance (a kernel without BPF sockmap)
#
# Env: PGFLOAT_BIN (default <repo>/.build/release/pgfloat), ROUNDS (5), DURATION (10),
#      RATE (2000: the -R rate, tx/s, every target must sustain it), RELAYS ("epoll sockmap"),
#      SKIP_PGFLOAT (0), PG_BIN (/usr/lib/postgresql/15/bin).
# Modes per run: pgbench -S (throughput), -S -C (a connection per transaction) and -S -R RATE (latency at a
# fixed rate, from the per-transaction log). Each run records tps, the proxy process's CPU and the whole
# machine's busy CPU from /proc/stat: the sockmap relay's work runs in softirq and kworkers, charged to other
# tasks, so only the machine-wide figure compares the relays fairly (PostgreSQL and pgbench included).
# Starts one PostgreSQL 15, one HAProxy and one pgfloat per relay on 127.0.0.1 only, and stops exactly
# those (by PID / data dir) on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
RATE=${RATE:-2000}
RELAYS=${RELAYS:-epoll sockmap}
CLIENTS=8
THREADS=2
MAXCONN=4000   # HAProxy needs ~2 fds per conn; 10000 would exceed the 20000 fd hard limit

require_basics
require_pgfloat

make_workdir bench
HAPROXY_PID="" PGFLOAT_PID=""
declare -A PORT=() PID=() SOCK=()
cleanup() {
  set +e
  local pid
  # PGFLOAT_PID is also in PID once it answered; a failed start leaves it only in PGFLOAT_PID. Stop each once.
  for pid in $(printf '%s\n' "${PID[@]}" "$PGFLOAT_PID" "$HAPROXY_PID" | sort -u); do
    stop_pid "$pid"
  done
  stop_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- servers
pick_port PG_PORT
start_postgres "$PG_PORT" "max_connections = 100"
echo "postgres on $PG_PORT; pgbench -i -s 10 ..." >&2
pgbench -i -s 10 -q -h "$HOST" -p "$PG_PORT" -U postgres postgres >"$WORK/init.log" 2>&1 \
  || { cat "$WORK/init.log" >&2; die "pgbench -i failed"; }

TARGETS=(direct haproxy)
PORT[direct]=$PG_PORT

pick_port PORT[haproxy]
start_haproxy "${PORT[haproxy]}" "$PG_PORT" "$MAXCONN"
PID[haproxy]=$HAPROXY_PID

if [[ $SKIP_PGFLOAT != 1 ]]; then
  for relay in $RELAYS; do
    target=pgfloat-$relay
    pick_port "PORT[$target]"
    start_pgfloat "${PORT[$target]}" "$PG_PORT" "$MAXCONN" "$relay"
    PID[$target]=$PGFLOAT_PID
    SOCK[$target]=$PGFLOAT_SOCK
    # Fail now, not after the runs: a sockmap program that cannot load leaves pgfloat on epoll with a warning.
    expect_relay "$PGFLOAT_SOCK" "$relay"
    TARGETS+=("$target")
  done
fi

# ---------------------------------------------------------------- runs
TCK=$(getconf CLK_TCK)
RESULTS=$WORK/results.tsv
printf 'mode\ttarget\tround\ttps\ttx\tcpu_ms\tmachine_ms\tp50_us\tp99_us\n' >"$RESULTS"

# latency_us FILE...: "P50 P99" (nearest rank) of the 3rd column of pgbench's per-transaction log, the
# latency in us. Under -R it runs from the transaction's scheduled start, not its actual one, so a stall also
# counts against the transactions queued behind it (no coordinated omission).
latency_us() {
  awk '{ print $3 }' "$@" | sort -n | awk '
    function rank(p,  i) { i = int(p * NR); if (i < p * NR) i++; return i < 1 ? 1 : i }
    { v[NR] = $1 }
    END { if (NR == 0) print "- -"; else print v[rank(0.50)], v[rank(0.99)] }'
}

# run_one MODE TARGET ROUND: one pgbench run, appends a row to $RESULTS.
run_one() {
  local mode=$1 target=$2 round=$3 flags=(-n -S -c "$CLIENTS" -j "$THREADS" -T "$DURATION")
  local log=$WORK/latency.$target.$round
  case $mode in
    connect) flags+=(-C) ;;
    rate) flags+=(-R "$RATE" --log "--log-prefix=$log") ;;
  esac
  local pid=${PID[$target]:-} t0=0 t1=0 m0 m1 out=$WORK/pgbench.out tps tx cpu_ms=- machine_ms p50=- p99=-
  [[ -n $pid ]] && t0=$(cpu_ticks "$pid")
  m0=$(machine_busy_ticks)
  # Output to a file, not $(...): a plain foreground child lets the INT/TERM
  # trap run reliably once pgbench returns.
  pgbench "${flags[@]}" -h "$HOST" -p "${PORT[$target]}" -U postgres postgres >"$out" 2>&1 \
    || { cat "$out" >&2; die "pgbench failed ($mode $target)"; }
  m1=$(machine_busy_ticks)
  [[ -n $pid ]] && t1=$(cpu_ticks "$pid")
  tps=$(awk '/^tps = /{print $3; exit}' "$out")
  # "N" under -T; "N/M" would be processed/planned: keep N.
  tx=$(awk -F': ' '/^number of transactions actually processed/{ sub(/\/.*/, "", $2); print $2; exit }' "$out")
  [[ -n $pid ]] && cpu_ms=$(( (t1 - t0) * 1000 / TCK ))
  machine_ms=$(( (m1 - m0) * 1000 / TCK ))
  if [[ $mode == rate ]]; then
    # One log file per pgbench thread: PREFIX.PID and PREFIX.PID.1.
    read -r p50 p99 < <(latency_us "$log".*)
    rm -f "$log".*
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$mode" "$target" "$round" "$tps" "$tx" "$cpu_ms" "$machine_ms" "$p50" "$p99" >>"$RESULTS"
  printf '  round %s %-7s %-15s tps=%-12s tx=%-8s proxy_cpu_ms=%-6s machine_cpu_ms=%-6s p50_us=%-6s p99_us=%s\n' \
    "$round" "$mode" "$target" "$tps" "$tx" "$cpu_ms" "$machine_ms" "$p50" "$p99" >&2
}

echo "running $ROUNDS rounds x ${#TARGETS[@]} targets x 3 modes x ${DURATION}s (-R $RATE)" >&2
for round in $(seq 1 "$ROUNDS"); do
  order=("${TARGETS[@]}")
  if (( round % 2 == 0 )); then   # alternate the order so no target always runs first
    order=(); for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do order+=("${TARGETS[i]}"); done
  fi
  for mode in simple connect rate; do
    for target in "${order[@]}"; do
      run_one "$mode" "$target" "$round"
    done
  done
done

# ---------------------------------------------------------------- relay check
# The sockmap numbers stand for the kernel relay only if the kernel carried those sessions: still `Relay:
# sockmap` (not fallen back to epoll) and sessions handed over. A session it could not insert stays on epoll
# (KernelFallbacks); one taken back to user space counts in KernelTakeovers.
for target in "${!SOCK[@]}"; do
  sock=${SOCK[$target]}
  expect_relay "$sock" "${target#pgfloat-}"
  handoffs=$(info_value "$sock" KernelHandoffs)
  echo "$target: CumConns $(info_value "$sock" CumConns), KernelHandoffs $handoffs," \
    "KernelFallbacks $(info_value "$sock" KernelFallbacks), KernelTakeovers $(info_value "$sock" KernelTakeovers)" >&2
  if [[ $target == pgfloat-sockmap ]]; then
    (( handoffs > 0 )) || die "$target handed no session to the kernel: its numbers are the epoll relay's"
  else
    (( handoffs == 0 )) || die "$target handed $handoffs sessions to the kernel"
  fi
done

# ---------------------------------------------------------------- summary
python3 - "$RESULTS" "$ROUNDS" "$DURATION" "$RATE" <<'EOF'
import csv, statistics, sys
path, rounds, duration, rate = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))

# (mode, target) -> per-run values; CPU is per run, then the median of those (not a ratio of medians).
tps, cpu, machine, p50, p99 = {}, {}, {}, {}, {}
for r in rows:
    key = (r["mode"], r["target"])
    tx = int(r["tx"])
    tps.setdefault(key, []).append(float(r["tps"]))
    machine.setdefault(key, []).append(float(r["machine_ms"]) * 1000 / tx)
    if r["cpu_ms"] != "-":
        cpu.setdefault(key, []).append(float(r["cpu_ms"]) * 1000 / tx)
    if r["p50_us"] != "-":
        p50.setdefault(key, []).append(float(r["p50_us"]) / 1000)
        p99.setdefault(key, []).append(float(r["p99_us"]) / 1000)

def med(key, table):
    return statistics.median(table[key]) if key in table else None

def ratio(a, b):
    return a / b if a is not None and b else None

def fmt(x, spec):
    return "-" if x is None else format(x, spec)

targets = ("direct", "haproxy", "pgfloat-epoll", "pgfloat-sockmap")
modes = {"simple": "-S", "connect": "-S -C", "rate": f"-S -R {rate}"}
print(f"\npgbench -n <mode> -c 8 -j 2 -T {duration}, {rounds} rounds, medians; machine CPU = all CPUs' busy time "
      "(/proc/stat), PostgreSQL and pgbench included; p99 added = median p99 minus direct's\n")
print("| mode | target | median tps | tps ratio to direct | proxy CPU-ms/1000 tx | machine CPU-ms/1000 tx "
      "| machine CPU ratio to haproxy | p50 ms | p99 ms | p99 added over direct (ms) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode, label in modes.items():
    direct_tps, direct_p99 = med((mode, "direct"), tps), med((mode, "direct"), p99)
    ha_machine = med((mode, "haproxy"), machine)
    for target in targets:
        key = (mode, target)
        t = med(key, tps)
        if t is None:
            continue
        m, q99 = med(key, machine), med(key, p99)
        added = q99 - direct_p99 if q99 is not None and direct_p99 is not None else None
        print(f"| {label} | {target} | {t:.0f} | {fmt(ratio(t, direct_tps), '.3f')} | {fmt(med(key, cpu), '.1f')} "
              f"| {fmt(m, '.1f')} | {fmt(ratio(m, ha_machine), '.2f')} | {fmt(med(key, p50), '.3f')} "
              f"| {fmt(q99, '.3f')} | {fmt(added, '+.3f')} |")

# A target that cannot keep up with -R queues transactions: its latencies measure the queue, not the relay.
for target in targets:
    t = med(("rate", target), tps)
    if t is not None and t < 0.95 * float(rate):
        print(f"\nwarning: {target} ran {t:.0f} tps under -R {rate}: it does not sustain the rate; lower RATE")

# Issue 17's bar for the kernel relay.
s, h, e = "pgfloat-sockmap", "haproxy", "pgfloat-epoll"
tps_s = ratio(med(("simple", s), tps), med(("simple", h), tps))
cpu_s = ratio(med(("simple", s), machine), med(("simple", h), machine))
added = {t: (med(("rate", t), p99) - med(("rate", "direct"), p99)) if ("rate", t) in p99 else None for t in (s, h)}
conn_s = ratio(med(("connect", s), tps), med(("connect", e), tps))
if None in (tps_s, cpu_s, added[s], added[h], conn_s):
    print("\nverdict: needs haproxy, pgfloat-epoll and pgfloat-sockmap runs in every mode")
else:
    checks = [
        (f"-S tps {tps_s:.2f}x haproxy (bar >= 1.15)", tps_s >= 1.15),
        (f"-S machine CPU/tx {cpu_s:.2f}x haproxy (bar <= 0.85)", cpu_s <= 0.85),
        (f"-R p99 added {added[s]:+.3f} ms vs haproxy {added[h]:+.3f} ms (bar: no worse)", added[s] <= added[h]),
        (f"-C tps {conn_s:.2f}x pgfloat-epoll (bar >= 1.00)", conn_s >= 1.0),
    ]
    parts = "; ".join(f"{text} {'PASS' if ok else 'FAIL'}" for text, ok in checks)
    meets = "meets" if all(ok for _, ok in checks) else "does not meet"
    print(f"\nverdict: pgfloat-sockmap {meets} the issue's bar: {parts}")
EOF
