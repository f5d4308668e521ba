"""What `[global] vrrp_rt_priority` (SCHED_RR for the VRRP thread) changes when pgfloat is starved of CPU.

A master pgfloat (advert_interval 100 ms) in one network namespace, an observer in another joined to it by a veth
pair; the observer timestamps every advert with a raw socket (CLOCK_MONOTONIC). Each run starves the master one
way, with and without vrrp_rt_priority, and the table gives the advert inter-arrival gaps:

- none: nothing else runs on its CPU (pgfloat pinned to one CPU with taskset, like the others).
- hog: HOGS busy loops at pgfloat's nice, pinned to the same CPU (taskset): CFS shares the CPU.
- quota: pgfloat and one busy loop in a cgroup limited to QUOTA of each 100 ms period (cgroup v2 cpu.max, or v1
  cpu.cfs_quota_us): the loop spends the quota and the whole group is throttled for the rest of the period, as
  the nemesis suite's CPU starvation does. SCHED_RR threads are outside CFS bandwidth control (v1 needs
  cpu.rt_runtime_us on the group for SCHED_RR at all; the script gives it 50 ms per second).

Root only; everything lives in namespaces and a cgroup the script creates and removes.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREFIX = f"vstarve{os.getpid()}"
MASTER, OBSERVER = f"{PREFIX}m", f"{PREFIX}o"
MASTER_IP, OBSERVER_IP, VIP = "10.251.0.1", "10.251.0.2", "10.251.0.100"
HOG = ["sh", "-c", "while :; do :; done"]

RECEIVER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton("224.0.0.18"), socket.inet_aton(sys.argv[1])))
end = time.monotonic() + float(sys.argv[2])
s.settimeout(0.5)
while time.monotonic() < end:
    try:
        packet, (source, _) = s.recvfrom(2048)
    except socket.timeout:
        continue
    header = (packet[0] & 0x0F) * 4
    print(f"{time.monotonic():.6f} {source} {packet[header + 2]}", flush=True)
"""


def sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, timeout=30)


def netns(ns: str, *cmd: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *cmd]


def setup() -> None:
    sh("ip", "netns", "add", MASTER)
    sh("ip", "netns", "add", OBSERVER)
    sh("ip", "link", "add", f"{PREFIX}a", "netns", MASTER, "type", "veth", "peer", f"{PREFIX}b", "netns", OBSERVER)
    for ns, link, address in ((MASTER, f"{PREFIX}a", MASTER_IP), (OBSERVER, f"{PREFIX}b", OBSERVER_IP)):
        sh("ip", "-n", ns, "link", "set", link, "name", "eth0")
        sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def teardown() -> None:
    for ns in (MASTER, OBSERVER):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL, timeout=30)


class CPUGroup:
    """A cgroup holding pgfloat and a busy loop, limited to `quota_ms` of each 100 ms."""

    def __init__(self, quota_ms: int):
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        base = Path("/sys/fs/cgroup") if v2 else Path("/sys/fs/cgroup/cpu")
        self.path = base / PREFIX
        self.path.mkdir()
        if v2:
            (self.path / "cpu.max").write_text(f"{quota_ms * 1000} 100000")
        else:
            (self.path / "cpu.cfs_period_us").write_text("100000")
            (self.path / "cpu.cfs_quota_us").write_text(str(quota_ms * 1000))
            rt = self.path / "cpu.rt_runtime_us"
            if rt.exists():
                rt.write_text("50000")

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def write_config(work: Path, rt: bool) -> Path:
    config = work / "pgfloat.toml"
    config.write_text(
        "[global]\nlog_sessions = false\n" + ("vrrp_rt_priority = 10\n" if rt else "")
        + '[check]\ntype = "tcp"\ninterval = "1s"\n'
        + '[[server]]\nname = "db"\naddress = "127.0.0.1:15432"\n'
        + '[[listener]]\nname = "rw"\nbind = ["127.0.0.1:15433"]\nservers = ["db"]\n'
        + '[[vrrp]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 200\n'
        + f'advert_interval = "100ms"\nvirtual_addresses = ["{VIP}/24"]\n')
    return config


def one_run(pgfloat: str, work: Path, mode: str, rt: bool, seconds: float, hogs: int, quota: int, cpu: int):
    config = write_config(work, rt)
    log = open(work / f"{mode}-{'rt' if rt else 'normal'}.log", "wb")
    started: list[subprocess.Popen] = []
    group = CPUGroup(quota) if mode == "quota" else None
    try:
        daemon = subprocess.Popen(netns(MASTER, "taskset", "-c", str(cpu), pgfloat, "run", "-c", str(config)),
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        started.append(daemon)
        if group:
            group.add(daemon.pid)
        time.sleep(2)  # backup, master-down, master
        for _ in range(hogs if mode == "hog" else 1 if mode == "quota" else 0):
            hog = subprocess.Popen(["taskset", "-c", str(cpu), *HOG])
            started.append(hog)
            if group:
                group.add(hog.pid)
        time.sleep(0.5)
        out = subprocess.run(netns(OBSERVER, sys.executable, "-c", RECEIVER, OBSERVER_IP, str(seconds)),
                             capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        for proc in reversed(started):
            proc.send_signal(signal.SIGKILL if proc is not started[0] else signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if group:
            group.remove()
        log.close()
    arrivals = [float(line.split()[0]) for line in out.splitlines()
                if line.split()[1] == MASTER_IP and line.split()[2] != "0"]
    return [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:])]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pgfloat", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--hogs", type=int, default=4)
    parser.add_argument("--quota-ms", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--modes", default="none,hog,quota")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pgfloat-starve-", dir="/run"))
    rows = []
    setup()
    try:
        for mode in args.modes.split(","):
            for rt in (False, True):
                gaps = one_run(args.pgfloat, work, mode, rt, args.seconds, args.hogs, args.quota_ms, args.cpu)
                rows.append((mode, "10" if rt else "off", gaps))
    finally:
        teardown()
    print(f"advert_interval 100 ms, {args.seconds:.0f} s per run, hog: {args.hogs} busy loops on CPU {args.cpu}, "
          f"quota: {args.quota_ms} ms per 100 ms; logs in {work}")
    print(f"{'starvation':<10} {'rt_priority':<11} {'adverts':>7} {'median ms':>9} {'p99 ms':>7} {'max ms':>7} "
          f"{'>150 ms':>7}")
    for mode, rt, gaps in rows:
        if not gaps:
            print(f"{mode:<10} {rt:<11} {'0':>7}  (no adverts seen)")
            continue
        late = sum(1 for gap in gaps if gap > 150)
        print(f"{mode:<10} {rt:<11} {len(gaps) + 1:>7} {statistics.median(gaps):>9.1f} "
              f"{percentile(gaps, 0.99):>7.1f} {max(gaps):>7.1f} {late:>7}")


if __name__ == "__main__":
    main()
