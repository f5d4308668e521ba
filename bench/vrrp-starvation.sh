#!/usr/bin/env bash
# Advert inter-arrival gaps of a CPU-starved master pgfloat, with and without [global] vrrp_rt_priority
# (SCHED_RR for the VRRP thread). Runs as root; namespaces and a cgroup are created and removed.
# Options: --seconds N (per run, default 20), --hogs N, --quota-ms N, --cpu N, --modes none,hog,quota.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, cgroups, SCHED_RR)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
require_pgfloat
exec /usr/bin/python3 "$(dirname "$0")/vrrp_starvation.py" --pgfloat "$PGFLOAT_BIN" "$@"
