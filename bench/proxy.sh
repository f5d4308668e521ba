#!/usr/bin/env bash
# Throughput and CPU cost of pgfloat vs HAProxy (1 thread, mode tcp) vs direct.
#
#   bench/proxy.sh                          # as root: 5 rounds x 10 s per run
#   ROUNDS=1 DURATION=3 bench/proxy.sh      # quick try
#   SKIP_PGFLOAT=1 bench/proxy.sh           # direct + haproxy only
#
# Env: PGFLOAT_BIN (default <repo>/.build/release/pgfloat), ROUNDS (5),
#      DURATION (10), SKIP_PGFLOAT (0), PG_BIN (/usr/lib/postgresql/15/bin).
# Starts one PostgreSQL 15, one HAProxy and one pgfloat on 127.0.0.1 only,
# and stops exactly those (by PID / data dir) on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CLIENTS=8
THREADS=2
MAXCONN=4000   # HAProxy needs ~2 fds per conn; 10000 would exceed the 20000 fd hard limit

require_basics
require_pgfloat

make_workdir bench
HAPROXY_PID="" PGFLOAT_PID=""
cleanup() {
  set +e
  [[ -n $PGFLOAT_PID ]] && stop_pid "$PGFLOAT_PID"
  [[ -n $HAPROXY_PID ]] && stop_pid "$HAPROXY_PID"
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
declare -A PORT=([direct]=$PG_PORT) PID=()

pick_port PORT[haproxy]
start_haproxy "${PORT[haproxy]}" "$PG_PORT" "$MAXCONN"
PID[haproxy]=$HAPROXY_PID

if [[ $SKIP_PGFLOAT != 1 ]]; then
  pick_port PORT[pgfloat]
  start_pgfloat "${PORT[pgfloat]}" "$PG_PORT" "$MAXCONN"
  PID[pgfloat]=$PGFLOAT_PID
  TARGETS+=(pgfloat)
fi

# ---------------------------------------------------------------- runs
TCK=$(getconf CLK_TCK)
RESULTS=$WORK/results.tsv
printf 'mode\ttarget\tround\ttps\ttx\tcpu_ms\n' >"$RESULTS"

# run_one MODE TARGET ROUND: one pgbench run, appends a row to $RESULTS.
run_one() {
  local mode=$1 target=$2 round=$3 flags=(-n -S -c "$CLIENTS" -j "$THREADS" -T "$DURATION")
  [[ $mode == connect ]] && flags+=(-C)
  local pid=${PID[$target]:-} t0=0 t1=0 out=$WORK/pgbench.out tps tx cpu_ms=-
  [[ -n $pid ]] && t0=$(cpu_ticks "$pid")
  # Output to a file, not $(...): a plain foreground child lets the INT/TERM
  # trap run reliably once pgbench returns.
  pgbench "${flags[@]}" -h "$HOST" -p "${PORT[$target]}" -U postgres postgres >"$out" 2>&1 \
    || { cat "$out" >&2; die "pgbench failed ($mode $target)"; }
  [[ -n $pid ]] && t1=$(cpu_ticks "$pid")
  tps=$(awk '/^tps = /{print $3; exit}' "$out")
  tx=$(awk -F': ' '/^number of transactions actually processed/{print $2; exit}' "$out")
  [[ -n $pid ]] && cpu_ms=$(( (t1 - t0) * 1000 / TCK ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$target" "$round" "$tps" "$tx" "$cpu_ms" >>"$RESULTS"
  printf '  round %s %-7s %-8s tps=%-12s tx=%-8s proxy_cpu_ms=%s\n' \
    "$round" "$mode" "$target" "$tps" "$tx" "$cpu_ms" >&2
}

echo "running $ROUNDS rounds x ${#TARGETS[@]} targets x 2 modes x ${DURATION}s" >&2
for round in $(seq 1 "$ROUNDS"); do
  order=("${TARGETS[@]}")
  if (( round % 2 == 0 )); then   # alternate the order so no target always runs first
    order=(); for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do order+=("${TARGETS[i]}"); done
  fi
  for mode in simple connect; do
    for target in "${order[@]}"; do
      run_one "$mode" "$target" "$round"
    done
  done
done

# ---------------------------------------------------------------- summary
python3 - "$RESULTS" "$ROUNDS" "$DURATION" <<'EOF'
import csv, statistics, sys
path, rounds, duration = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))

tps, cpu = {}, {}   # (mode, target) -> per-run values
for r in rows:
    key = (r["mode"], r["target"])
    tps.setdefault(key, []).append(float(r["tps"]))
    if r["cpu_ms"] != "-":
        cpu.setdefault(key, []).append(float(r["cpu_ms"]) * 1000 / int(r["tx"]))

def med(key, table):
    return statistics.median(table[key]) if key in table else None

modes = {"simple": "-S", "connect": "-S -C"}
print(f"\npgbench -n <mode> -c 8 -j 2 -T {duration}, {rounds} rounds, medians\n")
print("| mode | target | median tps | tps ratio to direct | median proxy CPU-ms/1000 tx | CPU ratio pgfloat/haproxy |")
print("|---|---|---:|---:|---:|---:|")
for mode, label in modes.items():
    direct = med((mode, "direct"), tps)
    ha_cpu = med((mode, "haproxy"), cpu)
    for target in ("direct", "haproxy", "pgfloat"):
        t = med((mode, target), tps)
        if t is None:
            continue
        c = med((mode, target), cpu)
        ratio = f"{t / direct:.3f}" if direct else "-"
        cpu_s = f"{c:.1f}" if c is not None else "-"
        cpu_ratio = f"{c / ha_cpu:.2f}" if target == "pgfloat" and c is not None and ha_cpu else "-"
        print(f"| {label} | {target} | {t:.0f} | {ratio} | {cpu_s} | {cpu_ratio} |")
EOF
