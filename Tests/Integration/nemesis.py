"""Fault injection for VRRP: three nodes sharing a VIP in network namespaces, one fault at a time, invariants
checked after each. Used by test_nemesis.py (each fault once, pgfloat) and by `make nemesis` (this file run as a
script: a random sequence of faults for NEMESIS_MINUTES, pgfloat and then keepalived, and a table per fault).

    PgfloatNode, KeepalivedNode   one VRRP node in a lab host: start, kill, its VRRP process, its faults' hooks
    Cluster                       three nodes (p1 100, p2 90, p3 80) + db + client + evil in one Lab
    FAULTS                        every fault: inject(cluster, target, rng, short) -> heal time, then restore
    run_fault                     holder sampler (20 ms) and client prober (50 ms) around one fault -> FaultResult
    FaultResult.violations        the invariants that did not hold, with the holder timeline in .report()

The invariants, after every fault: no two holders for longer than the master-down interval + 200 ms once the
fault is healed; exactly one holder from 1 s after the heal on; at most `max_moves` VIP moves from the fault on
(no flapping); no node exited unless the fault killed it; nothing left behind (cgroups, qdiscs, nft tables,
spoofers, squatters). Outage and failed attempts of the client are measured, not bounded.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import REPO_ROOT, pgfloat_bin, pgfloat_env, toml_value, wait_until  # noqa: E402
from netns_lab import RUN_PREFIX, Lab, call_in_netns, compute_outages, ensure_packages, list_namespaces  # noqa

PORT = 5432
SQUAT_PORT = 6000
VRID = 51
NODES = ("p1", "p2", "p3")
PRIORITIES = (100, 90, 80)
PIPE_BYTES = 4096          # stderr pipe size: a few seconds of session lines fill it
SETTLE = 3.0               # seconds observed after the heal (at least)
CGROUP_PREFIX = f"pgfloat-nemesis-{os.getpid()}-"
F_SETPIPE_SZ = 1031
KEEPALIVED_AUTH = "secretpa"  # the design's "secretpassword", as keepalived truncates it (8 characters)


class FaultUnavailable(Exception):
    """This machine cannot inject the fault (e.g. a kernel without sch_netem and no fallback)."""


# ---------------------------------------------------------------------------
# nodes
# ---------------------------------------------------------------------------

class PgfloatNode:
    """pgfloat in a lab host. stdout and stderr go to a small pipe that a relay thread copies to a log file; the
    stderr fault stops the relay, so the pipe fills and every write of the process would block."""

    kind = "pgfloat"

    def __init__(self, lab: Lab, host: str, workdir: Path, db: str, vip: str, priority: int, advert: str):
        self.lab, self.host, self.vip = lab, host, vip
        self.db, self.priority, self.advert = db, priority, advert
        self.config = workdir / f"{host}.toml"
        self.broken = workdir / f"{host}-broken.toml"
        self.socket = workdir / f"{host}.sock"
        self.log_path = workdir / f"{host}.log"
        self.proc: subprocess.Popen | None = None
        self.relay_blocked = threading.Event()
        self._relays: list[threading.Thread] = []
        self._read_end: int | None = None
        self.write_config()
        self.broken.write_text("[global\nthis is not TOML\n")

    def write_config(self, squatted_listener: bool = False) -> None:
        vrrp = {"name": "VI_1", "interface": "eth0", "virtual_router_id": VRID, "priority": self.priority,
                "advert_interval": self.advert, "version": 3, "virtual_addresses": [f"{self.vip}/24"]}
        extra = (f'[[listener]]\nname = "extra"\nbind = ["0.0.0.0:{SQUAT_PORT}"]\nservers = ["db"]\n'
                 if squatted_listener else "")
        self.config.write_text(
            f'[global]\nadmin_socket = "{self.socket}"\nlog_sessions = true\n'
            '[check]\ntype = "tcp"\ninterval = "1s"\n'
            f'[[server]]\nname = "db"\naddress = "{self.db}:{PORT}"\n'
            f'[[listener]]\nname = "rw"\nbind = ["0.0.0.0:{PORT}"]\nservers = ["db"]\n' + extra
            + "[[vrrp]]\n" + "\n".join(f"{k} = {toml_value(v)}" for k, v in vrrp.items()) + "\n")

    # -- process ------------------------------------------------------------
    def start(self) -> "PgfloatNode":
        self.socket.unlink(missing_ok=True)
        self.proc = self._spawn(self.config)
        wait_until(lambda: self.socket.exists() or self.proc.poll() is not None, 15, f"{self.host} admin socket")
        if self.proc.poll() is not None:
            raise RuntimeError(f"pgfloat on {self.host} exited {self.proc.returncode}:\n{self.log_tail()}")
        return self

    def _spawn(self, config: Path) -> subprocess.Popen:
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_BYTES)
        try:
            proc = self.lab.run(self.host, str(pgfloat_bin()), "run", "-c", str(config),
                                stdout=write_end, stderr=write_end,
                                env=pgfloat_env(config.parent / f"{self.host}-state"))
        finally:
            os.close(write_end)
        self._read_end = read_end
        relay = threading.Thread(target=self._relay, args=(read_end,), name=f"relay-{self.host}", daemon=True)
        relay.start()
        self._relays.append(relay)
        return proc

    def _relay(self, fd: int) -> None:
        # Bounded: ends on EOF (the process and its children closed the pipe) or after a day.
        deadline = time.monotonic() + 86400
        with open(self.log_path, "ab") as log:
            while time.monotonic() < deadline:
                if self.relay_blocked.is_set():
                    time.sleep(0.05)
                    continue
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                log.write(data)
                log.flush()
        os.close(fd)

    def pipe_queued(self) -> int:
        """Bytes waiting in the stderr pipe (PIPE_BYTES when full)."""
        if self._read_end is None:
            return 0
        buf = fcntl.ioctl(self._read_end, termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", buf)[0]

    def start_broken(self) -> int | None:
        """A restart that fails (a broken configuration, as after a bad edit): its exit code."""
        proc = self._spawn(self.broken)
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.lab.kill(proc)
            return None

    @property
    def vrrp_pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def kill(self, sig: int) -> None:
        self.lab.kill(self.proc, sig)

    def stop(self) -> None:
        self.relay_blocked.clear()
        if self.alive():
            self.lab.kill(self.proc, signal.SIGTERM)

    def reload(self, squatted_listener: bool) -> None:
        self.write_config(squatted_listener)
        self.proc.send_signal(signal.SIGHUP)

    def exec_stop_post(self) -> list[str]:
        """What systemd does when the unit's main process has died: the unit's `ExecStopPost=` commands, with the
        installed paths replaced by this node's binary and configuration. Returns the commands run."""
        unit = (REPO_ROOT / "systemd" / "pgfloat.service").read_text()
        ran = []
        for line in unit.splitlines():
            if not line.startswith("ExecStopPost="):
                continue
            command = line.split("=", 1)[1].lstrip("-+!@:")
            command = command.replace("/usr/bin/pgfloat", str(pgfloat_bin()))
            command = command.replace("/etc/pgfloat/pgfloat.toml", str(self.config))
            subprocess.run(["ip", "netns", "exec", self.lab.ns(self.host), "sh", "-c", command],
                           capture_output=True, timeout=15)
            ran.append(command)
        return ran

    def _show_vrrp(self) -> str | None:
        try:
            return subprocess.run([str(pgfloat_bin()), "ctl", "-s", str(self.socket), "show vrrp"],
                                  capture_output=True, text=True, timeout=5).stdout.strip()
        except subprocess.TimeoutExpired:
            return None

    def reports_master(self) -> bool | None:
        """Whether `show vrrp` says MASTER (None when the node is not running or does not answer)."""
        out = self._show_vrrp() if self.alive() else None
        return " state=MASTER " in f" {out} " if out and "state=" in out else None

    def describe(self) -> str:
        if not self.alive():
            return f"{self.host}: exited {self.exit_code()}"
        out = self._show_vrrp()
        return f"{self.host}: {out if out is not None else '(show vrrp timed out)'}"

    def log_tail(self, lines: int = 8) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(f"    {line[:200]}" for line in text.splitlines()[-lines:])

    def cleanup(self) -> None:
        self.stop()
        for relay in self._relays:
            relay.join(5)


class KeepalivedNode:
    """keepalived 2.2 in a lab host with the design document's configuration (VRRPv2, PASS authentication,
    advert_int 1, vrrp_skip_check_adv_addr, a track script on the local proxy), in front of a socat "proxy"."""

    kind = "keepalived"

    def __init__(self, lab: Lab, host: str, vip: str, priority: int):
        self.lab, self.host, self.vip, self.priority = lab, host, vip, priority
        self.proxy = lab.tcp_listener(host, PORT)
        self.ka = None
        self._all = []

    def start(self) -> "KeepalivedNode":
        from keepalived_harness import Keepalived
        script = ['vrrp_script check_proxy {', f'    script "/bin/kill -0 {self.proxy.pid}"',
                  '    interval 2', '    weight 2', '    fall 3', '    rise 2', '}']
        self.ka = Keepalived(self.lab, self.host, vips=[f"{self.vip}/24"], priority=self.priority, version=2,
                             vrid=VRID, advert_int=1, auth_pass=KEEPALIVED_AUTH,
                             state="MASTER" if self.priority == max(PRIORITIES) else "BACKUP",
                             extra_global=["vrrp_skip_check_adv_addr"], extra_top=script,
                             extra_instance=["track_script {", "    check_proxy", "}"])
        self._all.append(self.ka)
        self.ka.start()
        return self

    def start_broken(self) -> int | None:
        """keepalived pointed at a configuration that is not there exits at once (code 6 in 2.2)."""
        d = Path(tempfile.mkdtemp(prefix=f"keepalived-{self.host}-broken-"))
        try:
            proc = self.lab.run(self.host, "keepalived", "-n", "-l", "-P", "-f", str(d / "missing.conf"),
                                "-p", str(d / "pid"), "-r", str(d / "vrrp.pid"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
            try:
                return proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.lab.kill(proc)
                return None
        finally:
            shutil.rmtree(d, ignore_errors=True)

    @property
    def vrrp_pid(self) -> int:
        return self.ka.vrrp_pid

    def alive(self) -> bool:
        return self.ka is not None and self.ka.running() and Path(f"/proc/{self.ka.vrrp_pid}").exists()

    def exit_code(self) -> int | None:
        return None if self.ka is None or self.ka.proc is None else self.ka.proc.poll()

    def kill(self, sig: int) -> None:
        if sig == signal.SIGKILL:
            self.ka.crash()
        else:
            os.kill(self.ka.pid, sig)

    def stop(self) -> None:
        if self.ka is not None:
            self.ka.stop()

    def exec_stop_post(self) -> list[str]:
        return []  # Debian's keepalived.service has no ExecStopPost=

    def reports_master(self) -> bool | None:
        """Whether keepalived's last notify said MASTER (None when it is not running)."""
        return self.ka.state() == "MASTER" if self.alive() else None

    def describe(self) -> str:
        states = [s for _, s, _ in self.ka.transitions()] if self.ka else []
        return f"{self.host}: {'running' if self.alive() else f'exited {self.exit_code()}'}, states {states[-6:]}"

    def log_tail(self, lines: int = 8) -> str:
        return "\n".join(f"    {line[:200]}" for line in self.ka.log_tail(lines).splitlines()) if self.ka else ""

    def cleanup(self) -> None:
        for ka in self._all:
            ka.cleanup()


# ---------------------------------------------------------------------------
# the cluster
# ---------------------------------------------------------------------------

def advert_seconds(advert: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", advert)
    if not m:
        raise ValueError(f"advert interval {advert!r}: want e.g. 100ms or 1s")
    return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)


class Cluster:
    """Three VRRP nodes (p1 100, p2 90, p3 80), a TCP backend `db`, a `client` and an `evil` host on one lan."""

    def __init__(self, lab: Lab, kind: str, workdir: Path, advert: str = "100ms"):
        self.lab, self.kind, self.workdir = lab, kind, workdir
        self.advert = advert if kind == "pgfloat" else "1s"
        self.interval = advert_seconds(self.advert)
        for host in NODES + ("db", "client", "evil"):
            lab.add_host(host)
        self.vip = lab.vip()
        self.version = 3 if kind == "pgfloat" else 2
        self.nodes: dict[str, PgfloatNode | KeepalivedNode] = {}
        if kind == "pgfloat":
            lab.tcp_listener("db", PORT)
            db = lab.address("db")
            for host, prio in zip(NODES, PRIORITIES):
                self.nodes[host] = PgfloatNode(lab, host, workdir, db, self.vip, prio, self.advert)
        else:
            for host, prio in zip(NODES, PRIORITIES):
                self.nodes[host] = KeepalivedNode(lab, host, self.vip, prio)

    def start(self) -> "Cluster":
        for node in self.nodes.values():
            node.start()
        return self

    def master_down(self) -> float:
        """The longest master-down interval of any backup: 3 adverts plus the lowest priority's skew."""
        return 3 * self.interval + (256 - min(PRIORITIES)) * self.interval / 256

    def one_holder_by(self) -> float:
        """How long after the heal exactly one node must hold the VIP: 1 s, or, with adverts so long that a
        backup cannot take over in 1 s (keepalived's advert_int 1), its master-down interval + 200 ms."""
        return max(1.0, self.master_down() + 0.2)

    def holders(self) -> list[str]:
        return self.lab.holders(self.vip, list(NODES), ifname=None)

    def wait_steady(self, timeout: float = 20) -> str:
        """Every node running and p1 (the highest priority) the one holder: the state each fault starts from."""
        wait_until(lambda: self.holders() == ["p1"] and all(n.alive() for n in self.nodes.values()),
                   timeout, f"p1 to be the one holder ({self.holders()})", interval=0.05)
        return "p1"

    def repair(self) -> list[str]:
        """After a fault that left the cluster broken: restart what is dead or no longer in its steady state.
        Returns what was done, for the report."""
        done = []
        for host, node in self.nodes.items():
            if not node.alive():
                node.stop()
                node.start()
                done.append(f"restarted {host}")
        try:
            self.wait_steady(timeout=6 * self.master_down() + 5)
        except TimeoutError:
            for host, node in self.nodes.items():
                node.stop()
                self.lab.ip(host, "addr", "flush", "dev", "eth0", "to", f"{self.vip}/32")
                node.start()
            done.append("restarted every node")
            self.wait_steady(timeout=6 * self.master_down() + 10)
        return done

    def cleanup(self) -> None:
        for node in self.nodes.values():
            node.cleanup()


# ---------------------------------------------------------------------------
# spoofed adverts
# ---------------------------------------------------------------------------

def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def advert(cluster: Cluster, source: str, dest: str, vrid: int, priority: int) -> bytes:
    """A well-formed advert for the cluster's VRRP version (v2 with the cluster's PASS authentication)."""
    vip = socket.inet_aton(cluster.vip)
    if cluster.version == 2:
        body = struct.pack("!BBBBBBH", 0x21, vrid, priority, 1, 1, int(cluster.interval), 0) + vip
        body += KEEPALIVED_AUTH.encode().ljust(8, b"\0")
        value = _checksum(body)
    else:
        centis = max(1, int(round(cluster.interval * 100)))
        body = struct.pack("!BBBBHH", 0x31, vrid, priority, 1, centis, 0) + vip
        pseudo = socket.inet_aton(source) + socket.inet_aton(dest) + struct.pack("!BBH", 0, 112, len(body))
        value = _checksum(pseudo + body)
    return body[:6] + struct.pack("!H", value) + body[8:]


def malformed(cluster: Cluster, source: str, rng: random.Random) -> list[bytes]:
    good = advert(cluster, source, "224.0.0.18", VRID, 254)
    return [good[:5], good[:6] + bytes([good[6] ^ 0xFF, good[7]]) + good[8:],
            bytes([0x51]) + good[1:], good[:3] + bytes([9]) + good[4:],
            bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 60)))]


def spoof(cluster: Cluster, packets: Callable[[], list[tuple[bytes, str, int]]], duration: float) -> int:
    """From the `evil` host, every advert interval for `duration`: each (payload, destination, TTL) as a raw
    IPv4 packet with protocol 112. Returns the number sent."""
    lab = cluster.lab
    source = socket.inet_aton(lab.address("evil"))
    sock = call_in_netns(lab.ns("evil"), lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    sent = 0
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
        deadline = time.monotonic() + duration
        for _ in range(int(duration / cluster.interval) + 2):
            if time.monotonic() >= deadline:
                break
            for payload, dest, ttl in packets():
                header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0, source,
                                     socket.inet_aton(dest))
                sock.sendto(header + payload, (dest, 0))
                sent += 1
            time.sleep(min(cluster.interval, max(0.0, deadline - time.monotonic())))
    finally:
        sock.close()
    return sent


# ---------------------------------------------------------------------------
# link impairment: tc netem, or nftables where the kernel has no sch_netem
# ---------------------------------------------------------------------------

def _netem(cluster: Cluster, host: str, *args: str) -> bool:
    r = subprocess.run(["tc", "-n", cluster.lab.ns(host), "qdisc", "add", "dev", "eth0", "root", "netem", *args],
                       capture_output=True, text=True, timeout=15)
    if r.returncode == 0:
        return True
    if "unknown" in r.stderr.lower() or "not found" in r.stderr.lower():
        return False
    raise RuntimeError(f"tc netem {' '.join(args)}: {r.stderr.strip()}")


def _nft(cluster: Cluster, host: str, ruleset: str) -> None:
    reason = ensure_packages({"nft": "nftables"})
    if reason:
        raise FaultUnavailable(f"no sch_netem in this kernel and no nft: {reason}")
    subprocess.run(["ip", "netns", "exec", cluster.lab.ns(host), "nft", "-f", "-"], input=ruleset, text=True,
                   check=True, capture_output=True, timeout=15)


def impair(cluster: Cluster, host: str, how: str, duration: float) -> str:
    """Impairs `host`'s egress for `duration`, then removes it. Returns the mechanism used."""
    netem = {"loss": ["loss", "30%"], "delay": ["delay", "150ms", "50ms"], "duplicate": ["duplicate", "50%"]}[how]
    if _netem(cluster, host, *netem):
        try:
            time.sleep(duration)
        finally:
            subprocess.run(["tc", "-n", cluster.lab.ns(host), "qdisc", "del", "dev", "eth0", "root"],
                           capture_output=True, timeout=15)
        return "tc netem " + " ".join(netem)
    # nft numgen: compare through a set (a plain `<` compares in network byte order).
    rules = {"loss": ('table inet nemesis {\n  chain out {\n'
                      '    type filter hook output priority 0; policy accept;\n'
                      '    oifname "eth0" numgen random mod 100 { 0-29 } drop\n  }\n}\n'),
             "duplicate": ('table netdev nemesis {\n  chain out {\n'
                           '    type filter hook egress device "eth0" priority 0; policy accept;\n'
                           '    numgen random mod 100 { 0-49 } dup to "eth0"\n  }\n}\n')}
    if how == "delay":
        return delay_by_queue(cluster, host, duration)
    _nft(cluster, host, rules[how])
    family = "inet" if how == "loss" else "netdev"
    try:
        time.sleep(duration)
    finally:
        _nft_delete(cluster, host, family)
    return "nft " + ("30% loss" if how == "loss" else "50% duplication") + " (kernel without sch_netem)"


def _nft_delete(cluster: Cluster, host: str, family: str) -> None:
    subprocess.run(["ip", "netns", "exec", cluster.lab.ns(host), "nft", "delete", "table", family, "nemesis"],
                   capture_output=True, timeout=15)


# nfnetlink_queue (linux/netfilter/nfnetlink_queue.h): just enough to hold packets and accept them later.
_NETLINK_NETFILTER, _NFNL_SUBSYS_QUEUE, _QUEUE_NUM = 12, 3, 7
_NFQNL_MSG_PACKET, _NFQNL_MSG_VERDICT, _NFQNL_MSG_CONFIG = 0, 1, 2
_NFQA_PACKET_HDR, _NFQA_VERDICT_HDR, _NFQA_CFG_CMD, _NFQA_CFG_PARAMS = 1, 2, 1, 2
_NFQNL_CFG_CMD_BIND, _NFQNL_COPY_META, _NF_ACCEPT = 1, 1, 1


def _nfq_message(msg: int, attrs: list[tuple[int, bytes]], flags: int = 0x1) -> bytes:
    body = struct.pack("!BBH", socket.AF_UNSPEC, 0, _QUEUE_NUM)
    for kind, value in attrs:
        attr = struct.pack("=HH", 4 + len(value), kind) + value
        body += attr + b"\0" * (-len(attr) % 4)
    return struct.pack("=IHHII", 16 + len(body), (_NFNL_SUBSYS_QUEUE << 8) | msg, flags, 0, 0) + body


def _nfq_packet_ids(data: bytes) -> list[int]:
    ids, off = [], 0
    while off + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, off)
        if length < 16:
            break
        if kind == (_NFNL_SUBSYS_QUEUE << 8) | _NFQNL_MSG_PACKET:
            a = off + 20
            while a + 4 <= off + length:
                alen, atype = struct.unpack_from("=HH", data, a)
                if alen < 4:
                    break
                if atype & 0x7FFF == _NFQA_PACKET_HDR:
                    ids.append(struct.unpack_from("!I", data, a + 4)[0])
                a += (alen + 3) & ~3
        off += (length + 3) & ~3
    return ids


def delay_by_queue(cluster: Cluster, host: str, duration: float) -> str:
    """150 ms +- 50 ms on `host`'s outgoing IPv4 without sch_netem: an iptables NFQUEUE rule (nftables' own queue
    expression is often not built) hands each packet to this process, which accepts it when its delay is over.
    `--queue-bypass`: packets pass when nobody listens."""
    reason = ensure_packages({"iptables": "iptables"})
    if reason:
        raise FaultUnavailable(f"no sch_netem in this kernel and no iptables: {reason}")
    rule = ["OUTPUT", "-o", "eth0", "-j", "NFQUEUE", "--queue-num", str(_QUEUE_NUM), "--queue-bypass"]
    iptables = ["ip", "netns", "exec", cluster.lab.ns(host), "iptables"]

    def open_queue() -> socket.socket:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_NETFILTER)
        s.bind((0, 0))
        return s
    sock = call_in_netns(cluster.lab.ns(host), open_queue)
    rng = random.Random(duration)
    held: list[tuple[float, int]] = []
    try:
        sock.send(_nfq_message(_NFQNL_MSG_CONFIG, [(_NFQA_CFG_CMD, struct.pack("!BBH", _NFQNL_CFG_CMD_BIND, 0, 0))]))
        sock.send(_nfq_message(_NFQNL_MSG_CONFIG, [(_NFQA_CFG_PARAMS, struct.pack("!IB", 0, _NFQNL_COPY_META))]))
        subprocess.run([*iptables, "-A", *rule], check=True, capture_output=True, timeout=15)
        end = time.monotonic() + duration
        for _ in range(int(duration * 2000) + 1000):  # bounded: each pass receives, releases or waits 10 ms
            now = time.monotonic()
            if now >= end and not held:
                break
            due = [packet for at, packet in held if at <= now or now >= end]
            held = [(at, packet) for at, packet in held if at > now and now < end]
            for packet in due:
                sock.send(_nfq_message(_NFQNL_MSG_VERDICT, [(_NFQA_VERDICT_HDR,
                                                             struct.pack("!II", _NF_ACCEPT, packet))]))
            if now >= end:
                subprocess.run([*iptables, "-D", *rule], capture_output=True, timeout=15)
                continue
            ready, _, _ = select.select([sock], [], [], 0.01)
            if ready:
                for packet in _nfq_packet_ids(sock.recv(1 << 16)):
                    held.append((time.monotonic() + rng.uniform(0.1, 0.2), packet))
    finally:
        subprocess.run([*iptables, "-D", *rule], capture_output=True, timeout=15)
        sock.close()  # packets still held are dropped with the queue
    return "NFQUEUE 150 ms +- 50 ms (kernel without sch_netem)"


# ---------------------------------------------------------------------------
# CPU starvation: a cgroup of our own with a CPU quota (v2 cpu.max, else v1 cpu.cfs_quota_us)
# ---------------------------------------------------------------------------

def _cgroup_dirs() -> tuple[Path, Path, str]:
    """(mount point, this process's cgroup directory in it, "v2" or "v1") of a hierarchy with the CPU
    controller: cgroup v2 where it has it, else v1's cpu hierarchy."""
    lines = [line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()]
    for hid, controllers, path in lines:
        if hid == "0" and controllers == "":
            for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                ctl = mount / path.lstrip("/") / "cgroup.controllers"
                if ctl.exists() and "cpu" in ctl.read_text().split():
                    return mount, mount / path.lstrip("/"), "v2"
    for hid, controllers, path in lines:
        if "cpu" in controllers.split(","):
            for mount in (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup/cpu,cpuacct")):
                if (mount / path.lstrip("/") / "cpu.cfs_quota_us").exists():
                    return mount, mount / path.lstrip("/"), "v1"
    raise FaultUnavailable("no cgroup CPU controller this process can use")


def _cgroup_of(pid: int, version: str) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        hid, controllers, path = line.split(":", 2)
        if (version == "v2" and hid == "0") or (version == "v1" and "cpu" in controllers.split(",")):
            return path.lstrip("/")
    raise FaultUnavailable(f"pid {pid} has no {version} cgroup")


def leaked_cgroups() -> list[str]:
    try:
        _, base, _ = _cgroup_dirs()
    except FaultUnavailable:
        return []
    return [str(p) for p in base.glob(f"{CGROUP_PREFIX}*")]


_cgroup_counter = [0]


def starve(pid: int, duration: float) -> str:
    """Moves `pid` (every thread) into a new child cgroup of this process's, allowed 1 ms of CPU per second, for
    `duration`; then back to the cgroup it came from, and removes the child."""
    mount, base, version = _cgroup_dirs()
    _cgroup_counter[0] += 1
    child = base / f"{CGROUP_PREFIX}{_cgroup_counter[0]}"
    if version == "v2" and "cpu" not in (base / "cgroup.subtree_control").read_text().split():
        (base / "cgroup.subtree_control").write_text("+cpu")
    origin = mount / _cgroup_of(pid, version)
    child.mkdir()
    try:
        if version == "v2":
            (child / "cpu.max").write_text("1000 1000000")
        else:
            (child / "cpu.cfs_period_us").write_text("1000000")
            (child / "cpu.cfs_quota_us").write_text("1000")
        (child / "cgroup.procs").write_text(str(pid))
        time.sleep(duration)
    finally:
        _empty_and_remove(child, origin)
    return f"cgroup {version} CPU quota 1 ms/s"


def _empty_and_remove(child: Path, origin: Path) -> None:
    """Moves every process out of `child` into `origin`, then removes `child`. Not only the starved one: a
    keepalived child forks notify scripts while it is starved, and they are born in the child cgroup. Bounded
    (10 s); a process that exits leaves the cgroup by itself, and a dying one can hold it busy for a moment."""
    deadline = time.monotonic() + 10
    while True:
        for stray in (child / "cgroup.procs").read_text().split():
            try:
                (origin / "cgroup.procs").write_text(stray)
            except OSError:
                pass  # exited meanwhile
        try:
            child.rmdir()
            return
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                left = (child / "cgroup.procs").read_text().split()
                raise RuntimeError(f"cannot remove {child}: {error}; processes left in it: {left}") from error
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------

@dataclass
class Fault:
    """One fault. `inject` runs it against `target` (the master) and returns (heal time, details); `restore`
    (optional) brings the cluster back afterwards, outside the measured window."""
    name: str
    inject: Callable[..., tuple[float, str]]
    max_moves: int
    kinds: tuple[str, ...] = ("pgfloat", "keepalived")
    kills: bool = False
    restore: Callable[..., None] | None = None
    moves_per_second: float = 0.0  # for faults that may stall the master again and again while they last

    def move_bound(self, seconds: float) -> int:
        return self.max_moves + int(self.moves_per_second * seconds + 0.999)


def _duration(rng: random.Random, short: bool, low: float, high: float, fixed: float) -> float:
    return fixed if short else rng.uniform(low, high)


def f_sigstop(cluster, target, rng, short):
    node = cluster.nodes[target]
    seconds = _duration(rng, short, 1, 5, 2)
    os.kill(node.vrrp_pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(node.vrrp_pid, signal.SIGCONT)
    return time.monotonic(), f"stopped {seconds:.1f}s"


def _impair(how):
    def inject(cluster, target, rng, short):
        how_long = _duration(rng, short, 2, 6, 3)
        mechanism = impair(cluster, target, how, how_long)
        return time.monotonic(), f"{mechanism} for {how_long:.1f}s"
    return inject


def f_cpu(cluster, target, rng, short):
    seconds = _duration(rng, short, 2, 6, 3)
    mechanism = starve(cluster.nodes[target].vrrp_pid, seconds)
    return time.monotonic(), f"{mechanism} for {seconds:.1f}s"


def f_stderr(cluster, target, rng, short):
    node = cluster.nodes[target]
    seconds = _duration(rng, short, 3, 8, 4)
    node.relay_blocked.set()
    stop = threading.Event()
    load = threading.Thread(target=_sessions, args=(cluster, stop, seconds + 1), daemon=True)
    load.start()
    try:
        deadline = time.monotonic() + seconds
        full_at = None
        for _ in range(int(seconds / 0.05) + 2):
            if time.monotonic() >= deadline:
                break
            # Full: no room for another session line (the writer never splits a line).
            if full_at is None and node.pipe_queued() > PIPE_BYTES - 300:
                full_at = seconds - (deadline - time.monotonic())
            time.sleep(0.05)
    finally:
        node.relay_blocked.clear()
        stop.set()
        load.join(5)
    full = f"pipe full after {full_at:.1f}s" if full_at is not None else "pipe NEVER filled"
    return time.monotonic(), f"stderr unread {seconds:.1f}s, {full}"


def _sessions(cluster: Cluster, stop: threading.Event, seconds: float) -> None:
    """PostgreSQL startups through the VIP, one after another, so that the proxy logs session lines."""
    startup = struct.pack("!II", 8 + 14, 196608) + b"user\0load\0\0"
    deadline = time.monotonic() + seconds
    for _ in range(100000):
        if stop.is_set() or time.monotonic() >= deadline:
            break
        try:
            s = cluster.lab.socket("client")
            try:
                s.settimeout(0.5)
                s.connect((cluster.vip, PORT))
                s.sendall(startup)
                s.recv(64)
            finally:
                s.close()
        except OSError:
            time.sleep(0.01)


def f_vip_deleted(cluster, target, rng, short):
    cluster.lab.ip(target, "addr", "del", f"{cluster.vip}/24", "dev", "eth0")
    return time.monotonic(), "ip addr del"


def f_iface(cluster, target, rng, short):
    gone = _duration(rng, short, 0.5, 3, 1)
    cluster.lab.recreate_link(target, "eth0", gone=gone)
    return time.monotonic(), f"eth0 gone {gone:.1f}s"


def _spoof(kind):
    def inject(cluster, target, rng, short):
        seconds = _duration(rng, short, 2, 5, 2)
        evil = cluster.lab.address("evil")
        master = cluster.lab.address(target)
        if kind == "unicast-ttl64":
            packets = lambda: [(advert(cluster, evil, master, VRID, 255), master, 64)]  # noqa: E731
        elif kind == "prio255":
            packets = lambda: [(advert(cluster, evil, "224.0.0.18", VRID, 255), "224.0.0.18", 255)]  # noqa: E731
        elif kind == "wrong-vrid":
            packets = lambda: [(advert(cluster, evil, "224.0.0.18", VRID + 1, 255), "224.0.0.18", 255)]  # noqa
        else:
            packets = lambda: [(p, "224.0.0.18", 255) for p in malformed(cluster, evil, rng)]  # noqa: E731
        sent = spoof(cluster, packets, seconds)
        return time.monotonic(), f"{sent} packets in {seconds:.1f}s"
    return inject


_squatters: dict[int, list] = {}


def f_reload(cluster, target, rng, short):
    squatters = [cluster.lab.tcp_listener(host, SQUAT_PORT) for host in NODES]
    _squatters[id(cluster)] = squatters
    for node in cluster.nodes.values():
        node.reload(squatted_listener=True)
    return time.monotonic(), f"SIGHUP to {len(NODES)} nodes, port {SQUAT_PORT} taken on each"


def r_reload(cluster, target):
    for proc in _squatters.pop(id(cluster), []):
        cluster.lab.kill(proc)
    for node in cluster.nodes.values():
        if node.alive():
            node.reload(squatted_listener=False)


def f_kill(cluster, target, rng, short):
    node = cluster.nodes[target]
    node.kill(signal.SIGKILL)
    ran = node.exec_stop_post()
    code = node.start_broken()
    ran += node.exec_stop_post()
    post = "; ExecStopPost: " + " | ".join(ran) if ran else "; no ExecStopPost in the unit"
    return time.monotonic(), f"restart exited {code}{post}"


def r_kill(cluster, target):
    node = cluster.nodes[target]
    if not node.alive():
        node.start()


FAULTS: list[Fault] = [
    Fault("sigstop", f_sigstop, 4),
    Fault("netem-loss", _impair("loss"), 4, moves_per_second=1),
    Fault("netem-delay", _impair("delay"), 4),
    Fault("netem-duplicate", _impair("duplicate"), 4),
    # 1 ms of CPU per 1 s period: each period can stall the master past master-down once, away and back.
    Fault("cpu-starved", f_cpu, 4, moves_per_second=2),
    Fault("stderr-blocked", f_stderr, 0, kinds=("pgfloat",)),
    Fault("vip-deleted", f_vip_deleted, 4),
    Fault("iface-recreated", f_iface, 4),
    Fault("spoof-unicast-ttl64", _spoof("unicast-ttl64"), 0),
    Fault("spoof-prio255", _spoof("prio255"), 4),
    Fault("spoof-wrong-vrid", _spoof("wrong-vrid"), 0),
    Fault("spoof-malformed", _spoof("malformed"), 0),
    Fault("reload-cannot-bind", f_reload, 0, kinds=("pgfloat",), restore=r_reload),
    Fault("kill-failed-restart", f_kill, 4, kills=True, restore=r_kill),
]
FAULTS_BY_NAME = {f.name: f for f in FAULTS}


# ---------------------------------------------------------------------------
# one fault, observed
# ---------------------------------------------------------------------------

@dataclass
class FaultResult:
    fault: str
    kind: str
    target: str
    details: str
    started: float
    healed: float
    ended: float
    samples: list[tuple[float, tuple[str, ...]]]
    failed_attempts: int
    max_outage: float
    outage_recovered: bool
    two_holder_after_heal: float
    moves: list[tuple[str, ...]]
    violations: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    probe_report: str = ""

    def timeline(self, before: float = 1.0) -> str:
        """The sampled holders as runs, relative to the injection (the heal is marked)."""
        runs: list[list] = []
        for t, h in self.samples:
            if t < self.started - before:
                continue
            if runs and runs[-1][2] == h:
                runs[-1][1] = t
            else:
                runs.append([t, t, h])
        heal = self.healed - self.started
        return "\n".join(f"    {a - self.started:+7.3f} .. {b - self.started:+7.3f}s  {','.join(h) or '-'}"
                         for a, b, h in runs) + f"\n    (fault injected at +0.000s, healed at {heal:+.3f}s)"

    def report(self) -> str:
        lines = [f"{self.kind} {self.fault} on {self.target}: {self.details}",
                 f"  client: {self.failed_attempts} failed attempts, max outage {self.max_outage * 1000:.0f} ms"
                 + ("" if self.outage_recovered else " (NOT recovered)") + f"; {self.probe_report}",
                 f"  two holders after the heal: {self.two_holder_after_heal * 1000:.0f} ms; "
                 f"VIP moves: {len(self.moves) - 1 if self.moves else 0} "
                 f"({' -> '.join(','.join(m) for m in self.moves) or 'none'})",
                 "  holders (sampled every 20 ms):", self.timeline(), "  nodes after:"]
        lines += [f"    {n}" for n in self.nodes]
        if self.violations:
            lines.append("  INVARIANT VIOLATIONS:")
            lines += [f"    - {v}" for v in self.violations]
            for host, tail in self.logs.items():
                lines += [f"  {host} log tail:", tail]
        return "\n".join(lines)


def _moves(samples, since: float) -> list[tuple[str, ...]]:
    """The distinct non-empty holder sets in order from `since` (the last one before it first)."""
    seq: list[tuple[str, ...]] = []
    last_before = None
    for t, h in samples:
        if t < since:
            last_before = h or last_before
            continue
        if not seq and last_before:
            seq.append(last_before)
        if h and (not seq or seq[-1] != h):
            seq.append(h)
    return seq


def run_fault(cluster: Cluster, fault: Fault, rng: random.Random, short: bool = True,
              settle: float | None = None) -> FaultResult:
    """Injects `fault` into the master with the sampler and prober running, observes until `settle` after the heal,
    restores, and checks the invariants."""
    lab = cluster.lab
    target = cluster.holders()[0] if len(cluster.holders()) == 1 else "p1"
    settle = max(SETTLE, 2 * cluster.master_down() + 1.5) if settle is None else settle
    sampler = lab.sample_holders(cluster.vip, hosts=list(NODES), ifname=None, interval=0.02, max_duration=600)
    prober = lab.prober("client", cluster.vip, PORT, interval=0.05, timeout=1.0, max_duration=600)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        healed, details = fault.inject(cluster, target, rng, short)
        time.sleep(max(0.0, healed + settle - time.monotonic()))
        ended = time.monotonic()
    finally:
        prober.stop()
        sampler.stop()
    samples = list(sampler.samples)
    window = [p for p in prober.probes if p.start >= started - 0.5]
    outages = compute_outages(window)
    longest = max(outages, key=lambda o: o.duration, default=None)
    moves = _moves(samples, started)
    result = FaultResult(
        fault=fault.name, kind=cluster.kind, target=target, details=details, started=started, healed=healed,
        ended=ended, samples=samples, failed_attempts=sum(not p.ok for p in window),
        max_outage=longest.duration if longest else 0.0, outage_recovered=longest.recovered if longest else True,
        two_holder_after_heal=sampler.longest_two_holders(healed), moves=moves, probe_report=prober.report())
    bound = cluster.master_down() + 0.2
    if result.two_holder_after_heal > bound:
        result.violations.append(f"two holders for {result.two_holder_after_heal * 1000:.0f} ms after the heal "
                                 f"(bound: master-down {cluster.master_down() * 1000:.0f} ms + 200 ms)")
    one_by = cluster.one_holder_by()
    late = [(t, h) for t, h in samples if t >= healed + one_by]
    bad = [(t, h) for t, h in late if len(h) != 1]
    if not late:
        result.violations.append(f"no holder samples from {one_by:.1f} s after the heal (sampler error?)")
    elif bad:
        result.violations.append(f"{len(bad)} of {len(late)} samples from {one_by:.1f} s after the heal on have not "
                                 f"exactly one holder; first at {bad[0][0] - healed:+.3f}s after the heal: "
                                 f"{','.join(bad[0][1]) or 'no holder'}")
    move_bound = fault.move_bound(healed - started)
    if len(moves) - 1 > move_bound:
        result.violations.append(f"{len(moves) - 1} VIP moves (bound {move_bound}): "
                                 + " -> ".join(",".join(m) for m in moves))
    for host, node in cluster.nodes.items():
        if not node.alive() and not (fault.kills and host == target):
            result.violations.append(f"{host} is not running (exit code {node.exit_code()})")
    holders = cluster.holders()
    for host, node in cluster.nodes.items():
        master = node.reports_master()
        if master is not None and master != (host in holders):
            result.violations.append(f"{host} reports {'MASTER' if master else 'not MASTER'} but "
                                     f"{'does not hold' if master else 'holds'} the VIP")
    if sampler.error:
        result.violations.append(f"holder sampler failed: {sampler.error}")
    result.nodes = [node.describe() for node in cluster.nodes.values()]
    if result.violations:
        result.logs = {h: n.log_tail() for h, n in cluster.nodes.items()}
    if fault.restore:
        fault.restore(cluster, target)
    result.violations += leaks(cluster)
    return result


def leaks(cluster: Cluster) -> list[str]:
    """What a fault left behind that it should have removed."""
    found = [f"cgroup left: {c}" for c in leaked_cgroups()]
    for host in NODES:
        qdisc = subprocess.run(["tc", "-n", cluster.lab.ns(host), "qdisc", "show", "dev", "eth0"],
                               capture_output=True, text=True, timeout=15).stdout
        if "netem" in qdisc:
            found.append(f"netem qdisc left on {host}")
        if shutil.which("nft"):
            tables = subprocess.run(["ip", "netns", "exec", cluster.lab.ns(host), "nft", "list", "tables"],
                                    capture_output=True, text=True, timeout=15).stdout
            if "nemesis" in tables:
                found.append(f"nft table left on {host}")
        if shutil.which("iptables"):
            rules = subprocess.run(["ip", "netns", "exec", cluster.lab.ns(host), "iptables", "-S", "OUTPUT"],
                                   capture_output=True, text=True, timeout=15).stdout
            if "NFQUEUE" in rules:
                found.append(f"NFQUEUE rule left on {host}")
    if _squatters.get(id(cluster)):
        found.append("port squatters left")
    return found


# ---------------------------------------------------------------------------
# `make nemesis`: a random sequence of faults, a table per fault
# ---------------------------------------------------------------------------

COLUMNS = ("fault", "count", "failed", "max outage", "max 2-holder", "violations")


def table(kind: str, results: list[FaultResult], unavailable: dict[str, str]) -> str:
    rows = []
    for fault in FAULTS:
        mine = [r for r in results if r.fault == fault.name]
        if kind not in fault.kinds:
            continue
        if not mine:
            rows.append((fault.name, "0", "-", "-", "-", unavailable.get(fault.name, "not drawn")))
            continue
        rows.append((fault.name, str(len(mine)), str(sum(r.failed_attempts for r in mine)),
                     f"{max(r.max_outage for r in mine):.2f}s",
                     f"{max(r.two_holder_after_heal for r in mine):.2f}s",
                     str(sum(bool(r.violations) for r in mine))))
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    out = [f"{kind}:", "  " + "  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths))]
    out += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def side_by_side(results: dict[str, list[FaultResult]]) -> str:
    """One line per fault: pgfloat's and keepalived's failed attempts / max outage / runs with violations."""
    def cell(kind, name):
        mine = [r for r in results.get(kind, []) if r.fault == name]
        if not mine:
            return "n/a" if kind not in FAULTS_BY_NAME[name].kinds else "-"
        return (f"{len(mine)}x {sum(r.failed_attempts for r in mine)} failed, "
                f"max {max(r.max_outage for r in mine):.2f}s, {sum(bool(r.violations) for r in mine)} viol.")
    lines = [f"{'fault':<22} {'pgfloat':<40} keepalived"]
    lines += [f"{f.name:<22} {cell('pgfloat', f.name):<40} {cell('keepalived', f.name)}" for f in FAULTS]
    return "\n".join(lines)


def run_random(kind: str, minutes: float, seed: int, advert: str, log) -> tuple[list[FaultResult], dict]:
    sequence = random.Random(seed)  # the same faults in the same order for every kind
    results: list[FaultResult] = []
    unavailable: dict[str, str] = {}
    workdir = Path(tempfile.mkdtemp(prefix="pgfloat-nemesis-", dir="/run"))
    with Lab("nemesis") as lab:
        cluster = Cluster(lab, kind, workdir, advert)
        try:
            cluster.start()
            cluster.wait_steady(30)
            deadline = time.monotonic() + minutes * 60
            for i in range(100000):  # bounded by the deadline as well
                if time.monotonic() >= deadline:
                    break
                fault = sequence.choice(FAULTS)
                if kind not in fault.kinds or fault.name in unavailable:
                    continue
                try:
                    result = run_fault(cluster, fault, random.Random(seed * 1000003 + i), short=False)
                except FaultUnavailable as e:
                    unavailable[fault.name] = str(e)
                    log(f"[{kind} #{i}] {fault.name}: unavailable here: {e}")
                    continue
                results.append(result)
                status = "ok" if not result.violations else "VIOLATED"
                log(f"[{kind} #{i}] {fault.name} {status}: {result.failed_attempts} failed, max outage "
                    f"{result.max_outage:.2f}s, 2-holder {result.two_holder_after_heal:.2f}s ({result.details})")
                if result.violations or result.max_outage > 1.0:
                    log(result.report())
                repaired = cluster.repair()
                if repaired:
                    log(f"  repair: {', '.join(repaired)}")
        finally:
            cluster.cleanup()
    shutil.rmtree(workdir, ignore_errors=True)
    return results, unavailable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("NEMESIS_MINUTES", 30)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("NEMESIS_SEED") or random.randrange(1 << 30)))
    parser.add_argument("--advert", default=os.environ.get("NEMESIS_ADVERT", "1s"),
                        help="pgfloat's advert interval (keepalived runs the design's advert_int 1)")
    parser.add_argument("--kinds", default=os.environ.get("NEMESIS_KINDS", "pgfloat,keepalived"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("make nemesis needs root (network namespaces)")
        return 2
    print(f"nemesis: seed {args.seed} (NEMESIS_SEED={args.seed} replays it), {args.minutes:g} minutes per kind, "
          f"pgfloat adverts {args.advert}", flush=True)
    results: dict[str, list[FaultResult]] = {}
    tables = []
    for kind in args.kinds.split(","):
        if kind == "keepalived":
            from keepalived_harness import ensure_keepalived, keepalived_version
            reason = ensure_keepalived()
            if reason:
                print(f"keepalived skipped: {reason}")
                continue
            print(keepalived_version(), flush=True)
        results[kind], unavailable = run_random(kind, args.minutes, args.seed, args.advert,
                                                lambda line: print(line, flush=True))
        tables.append(table(kind, results[kind], unavailable))
    print(f"\nnemesis seed {args.seed}, {time.strftime('%Y-%m-%d', time.gmtime())}")
    print("\n\n".join(tables))
    print("\n" + side_by_side(results))
    left = [n for n in list_namespaces() if n.startswith(RUN_PREFIX)] + leaked_cgroups()
    print(f"left behind: {left or 'nothing'}")
    return 1 if left or any(r.violations for rs in results.values() for r in rs) else 0


if __name__ == "__main__":
    sys.exit(main())
