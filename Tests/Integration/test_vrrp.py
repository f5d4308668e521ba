"""pgfloat's VRRP against real peers, inside network namespaces the tests create: three pgfloat nodes
electing one master and moving the VIP on every kind of failure, interop with real keepalived (VRRPv2 with
auth, VRRPv3), tshark decoding pgfloat's adverts and gratuitous ARPs, malformed packets, and adverts that keep
their rhythm while the proxy is loaded.
"""

from __future__ import annotations

import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from harness import pgfloat_bin, toml_value, wait_until
from keepalived_harness import keepalived_fixture  # noqa: F401
from netns_lab import Lab, call_in_netns, lab_fixture, lab_unavailable  # noqa: F401

PORT = 5432
NODES = ("p1", "p2", "p3")


@pytest.fixture(autouse=True, scope="module")
def _needs_lab():
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    if not pgfloat_bin().is_file():
        pytest.skip(f"pgfloat binary not found at {pgfloat_bin()}")


@pytest.fixture
def workdir():
    # Under /run (root-owned, 0755) rather than /tmp: notify scripts in a world-writable tree are refused.
    path = Path(tempfile.mkdtemp(prefix="pgfloat-vrrp-", dir="/run"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Node:
    """One pgfloat process in a lab host, with its config, admin socket and notify log."""

    def __init__(self, lab: Lab, host: str, workdir: Path, db: str, vip: str, **vrrp):
        self.lab, self.host, self.vip = lab, host, vip
        self.config = workdir / f"{host}.toml"
        self.socket = workdir / f"{host}.sock"
        self.notify_log = workdir / f"{host}.notify"
        self.proc: subprocess.Popen | None = None
        self.write(db, **vrrp)

    def write(self, db: str, extra: str = "", **vrrp) -> None:
        keys = {"name": "VI_1", "interface": "eth0", "virtual_router_id": 51, "priority": 100,
                "advert_interval": "1s", "version": 3, "virtual_addresses": [f"{self.vip}/24"],
                "notify": f"{self.notify_log.parent / 'log-notify.sh'} {self.host}", **vrrp}
        (self.notify_log.parent / "log-notify.sh").write_text(
            '#!/bin/sh\n# $1: host, then keepalived\'s INSTANCE name STATE priority\n'
            f'echo "$4" >> "{self.notify_log.parent}/$1.notify"\n')
        (self.notify_log.parent / "log-notify.sh").chmod(0o755)
        lines = [f"{k} = {toml_value(v)}" for k, v in keys.items()]
        self.config.write_text(
            f'[global]\nadmin_socket = "{self.socket}"\nlog_sessions = false\n'
            '[check]\ntype = "tcp"\ninterval = "1s"\n'
            f'[[server]]\nname = "db"\naddress = "{db}:{PORT}"\n'
            f'[[listener]]\nname = "rw"\nbind = ["0.0.0.0:{PORT}"]\nservers = ["db"]\n'
            + extra + "[[vrrp]]\n" + "\n".join(lines) + "\n")

    def start(self) -> "Node":
        self.proc = self.lab.run(self.host, str(pgfloat_bin()), "run", "-c", str(self.config))
        wait_until(lambda: self.socket.exists(), 15, f"{self.host} admin socket")
        return self

    def ctl(self, *words: str) -> str:
        out = subprocess.run([str(pgfloat_bin()), "ctl", "-s", str(self.socket), *words],
                             capture_output=True, text=True, timeout=10)
        return out.stdout

    def vrrp(self) -> dict[str, str]:
        """`show vrrp`'s key=value fields of the instance."""
        line = self.ctl("show vrrp").splitlines()[0]
        return dict(word.split("=", 1) for word in line.split()[1:])

    def state(self) -> str:
        return self.vrrp().get("state", "?")

    def transitions(self) -> list[str]:
        return self.notify_log.read_text().split() if self.notify_log.exists() else []

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.lab.kill(self.proc, sig)

    def log(self) -> str:
        path = getattr(self.proc, "log_path", None)
        return Path(path).read_text() if path and Path(path).exists() else ""


def cluster(lab: Lab, workdir: Path, priorities=(100, 90, 80), **vrrp) -> tuple[dict[str, Node], str]:
    for host in NODES + ("db", "client"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    vip = lab.vip()
    db = lab.address("db").split("/")[0]
    nodes = {h: Node(lab, h, workdir, db, vip, priority=p, **vrrp) for h, p in zip(NODES, priorities)}
    for node in nodes.values():
        node.start()
    return nodes, vip


def holds(lab: Lab, vip: str, host: str, hosts=NODES) -> bool:
    return lab.holders(vip, list(hosts)) == [host]


# ---------------------------------------------------------------------------
# three pgfloat nodes
# ---------------------------------------------------------------------------

def test_three_nodes_elect_one_master_and_every_failure_moves_the_vip(lab, workdir):
    nodes, vip = cluster(lab, workdir)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    with lab.sample_holders(vip) as steady:
        time.sleep(2)
    assert not steady.violations() and {s for _, s in steady.samples} == {("p1",)}, steady.report()
    assert [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"]

    # SIGTERM: priority 0, so p2 takes over after its skew time, not 3 adverts.
    with lab.sample_holders(vip) as after_term:
        started = time.monotonic()
        nodes["p1"].stop(signal.SIGTERM)
        wait_until(lambda: holds(lab, vip, "p2"), 5, "p2 to hold the VIP")
        moved = time.monotonic() - started
    print(f"SIGTERM: VIP on p2 {moved:.2f}s later\n{after_term.report(origin=started)}")
    assert moved < 1.5, after_term.report(origin=started)
    # Both hold the VIP only from p2's VIP add until p1 hears p2's second advert, a few ms (rarely two samples 20 ms
    # apart under load). This bounds the overlap; the wire test below shows the second advert.
    assert after_term.error is None and after_term.first(("p2",)) is not None, after_term.report(origin=started)
    assert after_term.longest_two_holders() < 0.25, after_term.report(origin=started)
    wait_until(lambda: "MASTER" in nodes["p2"].transitions(), 5, "p2's MASTER hook")

    # p1 back: it preempts (preempt defaults to true).
    nodes["p1"].start()
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to preempt")
    assert nodes["p2"].state() == "BACKUP"

    # SIGKILL: no goodbye; p2 waits Master_Down_Interval = 3 x 1 s + skew. A killed process leaves its VIP
    # configured, as a dead host would be unreachable; cut p1 off so only the survivors count.
    survivors = ("p2", "p3")
    with lab.prober("client", vip, PORT) as prober, lab.sample_holders(vip, hosts=list(survivors)) as after_kill:
        wait_until(lambda: prober.successes() >= 5, 5, "probes through p1")
        started = time.monotonic()
        nodes["p1"].stop(signal.SIGKILL)
        lab.cut("p1")
        wait_until(lambda: holds(lab, vip, "p2", survivors), 8, "p2 to hold the VIP")
        moved = time.monotonic() - started
        wait_until(lambda: prober.successes(since=started) >= 5, 5, "probes through p2")
    outage = prober.longest_outage()
    print(f"SIGKILL: VIP on p2 {moved:.2f}s later; client outage {outage.duration:.2f}s\n{prober.report()}")
    assert moved < 4.5 and outage.recovered and outage.duration < 4.5, prober.report()
    assert after_kill.max_holders() == 1
    # Restarted, p1 removes the VIP its killed run left and preempts.
    lab.heal("p1")
    nodes["p1"].start()
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to preempt after restart")
    with lab.sample_holders(vip) as settled:
        time.sleep(1)
    assert not settled.violations(), settled.report()


def test_a_cut_link_yields_the_vip(lab, workdir):
    nodes, vip = cluster(lab, workdir)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")

    # (A reload that cannot bind no longer faults the node: see test_vrrp_reload.py.)
    p1 = nodes["p1"]

    # The master's link goes down: FAULT on p1, p2 takes over.
    lab.link_down("p1")
    wait_until(lambda: holds(lab, vip, "p2", ("p2", "p3")), 6, "p2 after p1's link went down")
    wait_until(lambda: p1.state() == "FAULT", 3, "p1 in FAULT")
    assert lab.holders(vip, ["p1"]) == [], "a faulted node releases the VIP"
    lab.link_up("p1")
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 back when its link is")
    # Notify hooks run on their own thread: the VIP can be back before the MASTER hook has written its line.
    wait_until(lambda: p1.transitions()[-1:] == ["MASTER"], 5, "p1's MASTER hook")
    assert "FAULT" in p1.transitions()


def test_nopreempt_keeps_the_new_master_and_admin_handover_moves_it(lab, workdir):
    nodes, vip = cluster(lab, workdir, preempt=False)
    wait_until(lambda: len(lab.holders(vip)) == 1, 10, "one holder")
    first = lab.holders(vip)[0]
    nodes[first].stop()
    wait_until(lambda: len(lab.holders(vip)) == 1 and lab.holders(vip)[0] != first, 5, "another holder")
    second = lab.holders(vip)[0]
    nodes[first].start()
    time.sleep(4)  # several advert intervals: a preempting node would have taken over by now
    assert lab.holders(vip) == [second], "preempt = false: the returning node stays backup"

    # Runtime API: `set vrrp VI_1 state backup` hands over at once; `auto` returns to the election.
    assert nodes[second].ctl("set", "vrrp", "VI_1", "state", "backup").strip() == ""
    wait_until(lambda: len(lab.holders(vip)) == 1 and lab.holders(vip)[0] != second, 3, "handover")
    assert nodes[second].vrrp()["admin"] == "backup"
    assert "No such VRRP instance." in nodes[second].ctl("set vrrp nope state backup")
    nodes[second].ctl("set vrrp VI_1 state auto")
    assert nodes[second].vrrp()["admin"] == "auto"


# ---------------------------------------------------------------------------
# interop with keepalived
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", [2, 3])
def test_keepalived_interop(lab, keepalived, workdir, version):
    for host in ("p1", "k1", "db"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    vip = lab.vip()
    db = lab.address("db").split("/")[0]
    auth = {"authentication": "s3cret"} if version == 2 else {}
    node = Node(lab, "p1", workdir, db, vip, priority=100, version=version, **auth).start()
    ka = keepalived(lab, "k1", vips=[vip], priority=90, version=version, vrid=51,
                    auth_pass="s3cret" if version == 2 else None)
    wait_until(lambda: lab.holders(vip) == ["p1"], 10, "pgfloat (100) to be master")
    assert ka.wait_state("BACKUP", 5)
    time.sleep(2.5)  # keepalived keeps hearing pgfloat's adverts and stays backup
    assert lab.holders(vip) == ["p1"] and ka.state() == "BACKUP"
    assert node.vrrp()["dropped"] in ("-", "") or "auth" not in node.vrrp()["dropped"]

    with lab.sample_holders(vip, ["p1", "k1"]) as handover:
        node.stop()
        wait_until(lambda: lab.holders(vip) == ["k1"], 5, "keepalived to take over")
    # keepalived sends no second advert: pgfloat lets go 100 ms after its first, not at its next one a second later.
    assert handover.error is None and handover.first(("k1",)) is not None, handover.report()
    assert handover.longest_two_holders() < 0.35, handover.report()
    node.start()
    wait_until(lambda: lab.holders(vip) == ["p1"], 10, "pgfloat to preempt keepalived")
    assert ka.wait_state("BACKUP", 5)

    # The other way round: keepalived higher, pgfloat backup, then keepalived dies.
    ka.stop()
    ka2 = keepalived(lab, "k1", vips=[vip], priority=200, version=version, vrid=51,
                     auth_pass="s3cret" if version == 2 else None)
    wait_until(lambda: lab.holders(vip) == ["k1"], 10, "keepalived (200) to be master")
    wait_until(lambda: node.state() == "BACKUP", 3, "pgfloat backup")
    assert node.vrrp()["master"] == lab.address("k1").split("/")[0]
    ka2.crash()
    lab.cut("k1")
    wait_until(lambda: lab.holders(vip, ["p1"]) == ["p1"], 6, "pgfloat to take over from dead keepalived")


# ---------------------------------------------------------------------------
# the wire: tshark, malformed packets, load
# ---------------------------------------------------------------------------

def test_tshark_decodes_adverts_with_good_checksums_and_the_gratuitous_arps(lab, workdir):
    with lab.capture("switch", "br-lan", "vrrp or arp") as cap:
        nodes, vip = cluster(lab, workdir)
        wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
        time.sleep(1.3)
        nodes["p1"].stop()
        wait_until(lambda: holds(lab, vip, "p2"), 5, "p2 to hold the VIP")
        time.sleep(1.3)
    adverts = cap.fields("ip.src", "ip.ttl", "vrrp.version", "vrrp.virt_rtr_id", "vrrp.prio",
                         "vrrp.checksum.status", "vrrp.ip_addr", "vrrp.short_adver_int", display_filter="vrrp")
    assert adverts, cap.text()
    p1, p2 = (lab.address(h).split("/")[0] for h in ("p1", "p2"))
    for r in adverts:
        assert (r["ip.ttl"], r["vrrp.version"], r["vrrp.virt_rtr_id"], r["vrrp.ip_addr"]) == ("255", "3", "51", vip)
        assert r["vrrp.checksum.status"] == "1", r
        assert r["vrrp.short_adver_int"] == "100", r
    priorities = {(r["ip.src"], r["vrrp.prio"]) for r in adverts}
    assert {(p1, "100"), (p1, "0"), (p2, "90")} <= priorities, priorities
    mac = lab.mac("p2")
    garps = cap.fields("eth.src", "arp.isgratuitous",
                       display_filter=f"arp.src.proto_ipv4 == {vip} && arp.dst.proto_ipv4 == {vip}")
    assert [r for r in garps if r["eth.src"] == mac and r["arp.isgratuitous"] == "1"], garps
    # p2 takes over with an advert (which silences p3), announces the VIP, and adverts again at once: p1 lets the
    # VIP go on that second advert, when clients already send to p2's MAC.
    resigned = cap.fields("frame.number", display_filter="vrrp.prio == 0")[0]["frame.number"]
    sent = cap.fields("frame.time_relative", "vrrp.prio", display_filter=(
        f"frame.number > {resigned} && eth.src == {mac} && "
        f"(vrrp || (arp.src.proto_ipv4 == {vip} && arp.dst.proto_ipv4 == {vip}))"))
    kinds = ["advert" if r["vrrp.prio"] else "announcement" for r in sent]
    assert kinds[:2] == ["advert", "announcement"] and "advert" in kinds[2:], kinds
    second = kinds.index("advert", 2)
    assert float(sent[second]["frame.time_relative"]) - float(sent[0]["frame.time_relative"]) < 0.5, sent


def vrrp_packet(vrid: int, priority: int, vip: str, version: int = 3, auth: bytes | None = None,
                interval: int = 100) -> bytes:
    """A VRRP advert with a correct checksum unless the caller spoils it (v3: checksum over the
    pseudo-header is added by `ip_packet`)."""
    addresses = socket.inet_aton(vip)
    if version == 2:
        body = struct.pack("!BBBBBBH", 0x21, vrid, priority, 1, 1 if auth else 0, interval, 0) + addresses
        body += (auth or b"").ljust(8, b"\0")
    else:
        body = struct.pack("!BBBBH H", 0x31, vrid, priority, 1, interval, 0) + addresses
    return body


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def send_raw(lab: Lab, host: str, packets: list[tuple[bytes, int]]) -> None:
    """Sends VRRP payloads to 224.0.0.18 from `host` with the given TTLs, building the IP header."""
    source = socket.inet_aton(lab.address(host).split("/")[0])
    group = socket.inet_aton("224.0.0.18")
    # IPPROTO_RAW implies IP_HDRINCL: the header, TTL included, is ours.
    sock = call_in_netns(lab.ns(host), lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
        for payload, ttl in packets:
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0, source, group)
            sock.sendto(header + payload, ("224.0.0.18", 0))
    finally:
        sock.close()


def with_checksum(payload: bytes, source: str, pseudo: bool = True) -> bytes:
    head = socket.inet_aton(source) + socket.inet_aton("224.0.0.18") + struct.pack("!BBH", 0, 112, len(payload))
    value = checksum((head if pseudo else b"") + payload)
    return payload[:6] + struct.pack("!H", value) + payload[8:]


def test_malformed_packets_are_dropped_counted_and_change_nothing(lab, workdir):
    nodes, vip = cluster(lab, workdir, priorities=(100, 90, 80))
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    lab.add_host("evil")
    evil = lab.address("evil").split("/")[0]
    good = with_checksum(vrrp_packet(51, 254, vip), evil)
    spoiled = good[:6] + bytes([good[6] ^ 0xFF, good[7]]) + good[8:]
    packets = [
        (spoiled, 255),                                            # bad checksum
        (good, 64),                                                # TTL 64
        (with_checksum(vrrp_packet(52, 254, vip), evil), 255),     # another VRID
        (good[:5], 255),                                           # short
        (with_checksum(vrrp_packet(51, 254, vip, version=2, auth=b"wrong", interval=1), evil, pseudo=False), 255),
    ]
    for _ in range(20):
        send_raw(lab, "evil", packets)
    time.sleep(1)
    fields = nodes["p2"].vrrp()
    dropped = dict(item.split(":") for item in fields["dropped"].split(","))
    print(fields)
    for reason in ("bad_checksum", "bad_ttl", "other_vrid", "too_short", "bad_version"):
        assert int(dropped.get(reason, 0)) >= 20, (reason, dropped)
    assert [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"], "nothing changed"
    assert lab.holders(vip) == ["p1"]
    metrics_free = nodes["p1"].ctl("show info")
    assert "Name: pgfloat" in metrics_free, "the daemon still answers"


def test_adverts_keep_their_rhythm_while_the_proxy_is_loaded(lab, workdir):
    nodes, vip = cluster(lab, workdir, advert_interval="100ms")
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    stop = threading.Event()
    connections = [0]

    def hammer():
        # Client connections as fast as they go: each is accepted, routed to db and relayed by p1's data plane.
        startup = struct.pack("!II", 8 + 14, 196608) + b"user\0load\0\0"
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                s = lab.socket("client")
                s.settimeout(1)
                s.connect((vip, PORT))
                s.sendall(startup)
                s.recv(64)
                s.close()
                connections[0] += 1
            except OSError:
                pass

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    p1 = lab.address("p1").split("/")[0]
    with lab.capture("switch", "br-lan", f"vrrp and src host {p1}") as cap:
        for t in threads:
            t.start()
        time.sleep(8)
        stop.set()
        for t in threads:
            t.join(timeout=5)
    times = [float(r["frame.time_relative"]) for r in cap.fields("frame.time_relative", display_filter="vrrp")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    print(f"{connections[0]} connections in 8 s; {len(times)} adverts; max gap {max(gaps):.3f}s")
    assert connections[0] > 200, "the proxy was loaded"
    assert len(times) >= 60 and max(gaps) < 0.25, "an advert every 100 ms whatever the load"
    assert lab.holders(vip) == ["p1"], "no backup took over"


# ---------------------------------------------------------------------------
# tracking the databases and scripts
# ---------------------------------------------------------------------------

def test_a_proxy_cut_off_from_the_databases_yields_the_vip(lab, workdir):
    """track_backends: the proxy that lost only its database-side link hands over to one that can still route."""
    for host in NODES + ("client",):
        lab.add_host(host)
    lab.add_host("db", subnet="db")
    for host in NODES:
        lab.add_link(host, "eth1", subnet="db")
    lab.tcp_listener("db", PORT)
    vip = lab.vip()
    db = lab.address("db").split("/")[0]
    nodes = {h: Node(lab, h, workdir, db, vip, priority=p, track_backends=-30)
             for h, p in zip(NODES, (100, 90, 80))}
    for node in nodes.values():
        node.start()
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    wait_until(lambda: nodes["p1"].ctl("show stat").count(",UP,") >= 1, 10, "p1 to see the database up")

    started = time.monotonic()
    lab.cut("p1", "eth1")
    wait_until(lambda: holds(lab, vip, "p2"), 15, "p2 to take over from the proxy without databases")
    print(f"database link cut: VIP on p2 {time.monotonic() - started:.2f}s later")
    fields = nodes["p1"].vrrp()
    assert fields["state"] == "BACKUP" and fields["effective_priority"] == "70", fields
    assert "track_backends" in fields["reasons"]
    lab.heal("p1", "eth1")
    wait_until(lambda: holds(lab, vip, "p1"), 15, "p1 back once it reaches the databases")


def test_a_failing_track_script_lowers_the_priority_and_notify_hooks_run_in_order(lab, workdir):
    flag = workdir / "maintenance"
    check = workdir / "not-in-maintenance.sh"
    check.write_text(f"#!/bin/sh\ntest ! -e {flag}\n")
    check.chmod(0o755)
    for host in NODES + ("db",):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    vip = lab.vip()
    db = lab.address("db").split("/")[0]
    nodes = {}
    for host, priority in zip(NODES, (100, 90, 80)):
        node = Node(lab, host, workdir, db, vip, priority=priority)
        script = (f'[[vrrp.track_script]]\nname = "maintenance"\nscript = "{check}"\n'
                  'interval = "500ms"\nweight = -30\n')
        node.config.write_text(node.config.read_text() + script)
        nodes[host] = node.start()
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")

    flag.touch()  # every node's script now fails: all lose 30, p1 stays highest
    wait_until(lambda: nodes["p1"].vrrp()["effective_priority"] == "70", 5, "p1 at 100 - 30")
    assert holds(lab, vip, "p1")
    flag.unlink()
    wait_until(lambda: nodes["p1"].vrrp()["effective_priority"] == "100", 5, "p1 back to 100")

    # notify: the generic hook saw every transition of p2 in order.
    nodes["p1"].stop()
    wait_until(lambda: holds(lab, vip, "p2"), 5, "p2 to take over")
    wait_until(lambda: nodes["p2"].transitions()[-1:] == ["MASTER"], 5, "p2's MASTER hook")
    assert nodes["p2"].transitions() == ["BACKUP", "MASTER"]
    wait_until(lambda: nodes["p1"].transitions()[-1:] == ["STOP"], 5, "p1's STOP hook")
    assert nodes["p1"].transitions() == ["BACKUP", "MASTER", "STOP"]
