#!/usr/bin/env bash
# Client-observed outage when the master proxy dies: keepalived + HAProxy vs pgfloat (advert 1s and 100ms).
# Runs as root; everything happens in network namespaces the script creates and removes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || die "run as root (network namespaces)"
command -v haproxy >/dev/null || die "haproxy not found"
require_pgfloat
exec /usr/bin/python3 "$(dirname "$0")/vrrp_failover.py" --pgfloat "$PGFLOAT_BIN" "$@"
