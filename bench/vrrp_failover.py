#!/usr/bin/env python3
"""Client-observed outage when the master proxy dies: keepalived + HAProxy with the design document's settings
(advert_int 1, `vrrp_script` interval 2 fall 3 weight 2, HAProxy killed) against pgfloat with
`advert_interval = "1s"` and `"100ms"` (pgfloat killed). Three proxy hosts, one database host and one client in
network namespaces of their own; the client connects to VIP:5432 every 50 ms. Prints a table of medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Integration"))

from harness import wait_until  # noqa: E402
from keepalived_harness import Keepalived, ensure_keepalived  # noqa: E402
from netns_lab import Lab, lab_unavailable  # noqa: E402

PORT = 5432
PROXIES = ("h1", "h2", "h3")
PRIORITIES = (100, 99, 98)


def lab_with_database() -> tuple[Lab, str, str]:
    lab = Lab()
    for host in PROXIES + ("db", "client"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    return lab, lab.vip(), lab.address("db").split("/")[0]


def keepalived_haproxy_round(work: Path) -> float:
    lab, vip, db = lab_with_database()
    try:
        haproxy = {}
        for host in PROXIES:
            conf = work / f"{host}-haproxy.cfg"
            conf.write_text(
                "global\n    maxconn 1000\ndefaults\n    mode tcp\n    timeout connect 2s\n"
                "    timeout client 30m\n    timeout server 30m\n"
                f"listen postgres\n    bind *:{PORT}\n    server db {db}:{PORT} check inter 2s\n")
            haproxy[host] = lab.run(host, "haproxy", "-db", "-f", str(conf))
        for host, priority in zip(PROXIES, PRIORITIES):
            # killall -0 would see the other namespaces' HAProxy processes: check this host's by PID.
            check = [
                "vrrp_script check_haproxy {", f'    script "/bin/kill -0 {haproxy[host].pid}"',
                "    interval 2", "    weight 2", "    fall 3", "    rise 2", "}"]
            Keepalived(lab, host, vips=[vip], priority=priority, version=2, advert_int=1, vrid=51,
                       auth_pass="secret", extra_top=check,
                       extra_instance=["track_script {", "    check_haproxy", "}"]).start()
        return measure(lab, vip, lambda: lab.kill(haproxy["h1"]))
    finally:
        lab.close()


def pgfloat_round(work: Path, binary: str, advert: str) -> float:
    lab, vip, db = lab_with_database()
    try:
        procs = {}
        for host, priority in zip(PROXIES, PRIORITIES):
            conf = work / f"{host}.toml"
            conf.write_text(
                '[global]\nlog_sessions = false\n[check]\ntype = "tcp"\ninterval = "2s"\n'
                f'[[server]]\nname = "db"\naddress = "{db}:{PORT}"\n'
                f'[[listener]]\nname = "rw"\nbind = ["0.0.0.0:{PORT}"]\nservers = ["db"]\n'
                f'[[vrrp]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = {priority}\n'
                f'advert_interval = "{advert}"\nvirtual_addresses = ["{vip}/24"]\n')
            procs[host] = lab.run(host, binary, "run", "-c", str(conf))
        return measure(lab, vip, lambda: lab.kill(procs["h1"]))
    finally:
        lab.close()


def measure(lab: Lab, vip: str, kill) -> float:
    """Waits for h1 to be master, kills its proxy, and returns the longest client outage in seconds."""
    wait_until(lambda: lab.holders(vip) == ["h1"], 20, "h1 to hold the VIP")
    time.sleep(1)
    with lab.prober("client", vip, PORT) as prober:
        wait_until(lambda: prober.successes() >= 10, 5, "probes through h1")
        started = time.monotonic()
        kill()
        wait_until(lambda: prober.successes(since=started) >= 10, 30, "probes through the new master")
    outage = prober.longest_outage()
    return outage.duration if outage else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pgfloat", default=str(Path(__file__).resolve().parents[1] / ".build/release/pgfloat"))
    args = parser.parse_args()
    reason = lab_unavailable() or ensure_keepalived()
    if reason:
        print(f"vrrp-failover: {reason}", file=sys.stderr)
        return 1
    modes = {
        "keepalived + HAProxy (advert 1s, check 2s x fall 3)": lambda w: keepalived_haproxy_round(w),
        "pgfloat advert_interval 1s": lambda w: pgfloat_round(w, args.pgfloat, "1s"),
        "pgfloat advert_interval 100ms": lambda w: pgfloat_round(w, args.pgfloat, "100ms"),
    }
    results: dict[str, list[float]] = {name: [] for name in modes}
    for round_number in range(args.rounds):
        for name, run in modes.items():
            with tempfile.TemporaryDirectory(prefix="pgfloat-vrrp-bench-", dir="/run") as work:
                outage = run(Path(work))
            results[name].append(outage)
            print(f"round {round_number + 1}: {name}: outage {outage:.2f}s", file=sys.stderr)
    print(f"\nmaster proxy killed, client connecting to VIP:{PORT} every 50 ms; {args.rounds} rounds\n")
    print("| setup | median outage (s) | min | max |")
    print("|---|---:|---:|---:|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
