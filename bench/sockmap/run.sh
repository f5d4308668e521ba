#!/usr/bin/env bash
# The kernel-side relay experiments of README.md, on this machine's kernel. As root (loopback only, no servers):
#
#   bench/sockmap/run.sh            # every experiment; back-pressure and ordering move 2048 MB through one session
#   MB=512 bench/sockmap/run.sh     # smaller back-pressure and ordering runs
#   COST=1 bench/sockmap/run.sh     # also the pingpong cost table: 5 alternating rounds x 3 s, 8 and 1 clients
#                                   # (direct, epoll, io_uring and sockmap relays; needs liburing-dev)
#
# Env: CC (/opt/swift/usr/bin/clang, which also has the bpf target), MB (2048), NOBODY (65534: the unprivileged
# user the capability runs use). Builds into a temporary folder and removes it on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CC=${CC:-/opt/swift/usr/bin/clang}
MB=${MB:-2048}
NOBODY=${NOBODY:-65534}
[[ $(id -u) == 0 ]] || { echo "run as root: the capability runs switch to uid $NOBODY" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# The relay itself is pgfloat's (Sources/CSockmap); pump.c is the experiments' user-space half.
library=$here/../../Sources/CSockmap
"$CC" -Wall -Wextra -O1 -I"$library/include" "$library/relay.c" "$here/pump.c" "$here/probe.c" -o "$work/probe"
"$CC" -Wall -Wextra -O2 -I"$library/include" "$library/relay.c" "$here/pump.c" "$here/pingpong.c" -lpthread -luring \
  -o "$work/pingpong"

echo "kernel $(uname -r), kernel.unprivileged_bpf_disabled=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)"
for experiment in insertion removal half-close after-drop; do
  echo "== $experiment"
  "$work/probe" "$experiment"
done
echo "== back-pressure: B never reads, A writes $MB MB"
"$work/probe" back-pressure-baseline "$MB"
"$work/probe" back-pressure-no-grant "$MB"
"$work/probe" back-pressure "$MB"
echo "== ordering: readers that pause at random, 64 KB grants, $MB MB each way"
"$work/probe" ordering "$MB"

# Capabilities: as $NOBODY with exactly these in the ambient set, as systemd's AmbientCapabilities= gives them.
for caps in "" +net_admin +bpf +bpf,+net_admin +perfmon,+bpf,+net_admin; do
  echo "== as uid $NOBODY with capabilities [${caps}]"
  if [[ -z $caps ]]; then set -- --inh-caps=-all; else set -- "--inh-caps=-all,$caps" "--ambient-caps=$caps"; fi
  setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "$@" "$work/probe" capabilities || true
done

if [[ ${COST:-0} == 1 ]]; then
  for clients in 8 1; do
    echo "== cost, $clients clients: 5 alternating rounds (take the medians)"
    for round in 1 2 3 4 5; do
      for path in direct epoll uring sockmap; do "$work/pingpong" "$path" "$clients" 3; done
    done
  done
fi
