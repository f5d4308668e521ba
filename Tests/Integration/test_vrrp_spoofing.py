"""Forged VRRP adverts from a host on the link that is not a VRRP router, and a `unicast_source` that is not
this node's (issue 15, items 1 and 9).

VRRPv3 has no authentication: a host that knows the VRID and the VIP list can claim priority 255. A multicast
instance must drop adverts that arrive by unicast (they never come from a router on the link), and a unicast
instance must hear only its `unicast_peers`. Three pgfloat nodes run in network namespaces; an `evil` host sends
the forgeries to the master, which must stay master while the VIP stays put and the drop counter rises.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from pathlib import Path


from harness import pgfloat_bin, wait_until
from netns_lab import Lab, call_in_netns, lab_fixture  # noqa: F401
from test_vrrp import checksum, holds, _needs_lab, Node, NODES, vrrp_packet, workdir  # noqa: F401

PORT = 5432
# Forgeries sent per burst and bursts sent: 30 bursts 100 ms apart outlast three master-down intervals at 1 s adverts,
# so a node knocked off by one would have lost the VIP to a backup by the end.
BURSTS = 30


def host_address(lab: Lab, host: str) -> str:
    return lab.address(host).split("/")[0]


def three_nodes(lab: Lab, workdir: Path, unicast: bool = False, **vrrp) -> tuple[dict[str, Node], str]:
    """p1 (priority 100), p2 (90) and p3 (80), each sending to the others by unicast when `unicast` is set."""
    for host in NODES + ("db", "evil"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    vip = lab.vip()
    db = host_address(lab, "db")
    nodes = {}
    for host, priority in zip(NODES, (100, 90, 80)):
        keys = dict(vrrp)
        if unicast:
            keys["unicast_source"] = host_address(lab, host)
            keys["unicast_peers"] = [host_address(lab, other) for other in NODES if other != host]
        nodes[host] = Node(lab, host, workdir, db, vip, priority=priority, **keys)
    for node in nodes.values():
        node.start()
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    wait_until(lambda: [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"], 10, "one master")
    return nodes, vip


def forged_advert(vip: str, source: str, destination: str) -> bytes:
    """A priority-255 VRRPv3 advert for VRID 51 with a checksum over the unicast pseudo-header."""
    payload = vrrp_packet(51, 255, vip)
    head = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!BBH", 0, 112, len(payload))
    value = checksum(head + payload)
    return payload[:6] + struct.pack("!H", value) + payload[8:]


def send_unicast(lab: Lab, host: str, forgeries: list[tuple[str, str, int]], vip: str) -> None:
    """Sends one forged advert per (source, destination, ttl) from `host`, building the IP header itself so that
    the source and TTL are whatever the forger wants."""
    sock = call_in_netns(lab.ns(host), lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    try:
        for source, destination, ttl in forgeries:
            payload = forged_advert(vip, source, destination)
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0,
                                 socket.inet_aton(source), socket.inet_aton(destination))
            sock.sendto(header + payload, (destination, 0))
    finally:
        sock.close()


def dropped(node: Node) -> dict[str, int]:
    """`show vrrp`'s per-reason drop counters."""
    text = node.vrrp().get("dropped", "")
    return {k: int(v) for k, v in (item.split(":") for item in text.split(",") if ":" in item)}


def forge_for_a_while(lab: Lab, nodes: dict[str, Node], vip: str, forgeries: list[tuple[str, str, int]]) -> list:
    """Sends the forgeries in bursts and samples the VIP's holders and the master's state after each one."""
    seen = []
    for _ in range(BURSTS):
        send_unicast(lab, "evil", forgeries, vip)
        time.sleep(0.1)  # the pace of a forger sending ten bursts a second, not a wait for a condition
        seen.append((tuple(lab.holders(vip)), nodes["p1"].state()))
    return seen


def test_a_multicast_instance_drops_unicast_adverts(lab, workdir):
    nodes, vip = three_nodes(lab, workdir)
    p1 = host_address(lab, "p1")
    evil = host_address(lab, "evil")
    seen = forge_for_a_while(lab, nodes, vip, [(evil, p1, 64)])
    assert set(seen) == {(("p1",), "MASTER")}, seen
    counts = wait_until(lambda: dropped(nodes["p1"]).get("unexpected_unicast", 0) >= BURSTS and dropped(nodes["p1"]),
                        5, "the master to count the forgeries")
    print(counts)
    assert [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"]
    assert lab.holders(vip) == ["p1"]
    assert "unexpected_unicast" in nodes["p1"].log(), "one rate-limited log line names the reason"


def test_a_unicast_instance_hears_only_its_peers(lab, workdir):
    nodes, vip = three_nodes(lab, workdir, unicast=True, unicast_ttl_check=True)
    p1 = host_address(lab, "p1")
    p2 = host_address(lab, "p2")
    evil = host_address(lab, "evil")
    # From the forger's own address, and from a peer's address but routed (TTL 64) while unicast_ttl_check is on.
    seen = forge_for_a_while(lab, nodes, vip, [(evil, p1, 255), (p2, p1, 64)])
    assert set(seen) == {(("p1",), "MASTER")}, seen

    def counted():
        counts = dropped(nodes["p1"])
        return counts if counts.get("unknown_peer", 0) >= BURSTS and counts.get("bad_ttl", 0) >= BURSTS else None

    print(wait_until(counted, 5, "the master to count both kinds of forgery"))
    assert [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"]
    assert lab.holders(vip) == ["p1"]


def write_config(path: Path, interface: str, source: str, peer: str, socket_path: Path) -> None:
    path.write_text(
        f'[global]\nadmin_socket = "{socket_path}"\n'
        '[[server]]\nname = "db"\naddress = "127.0.0.1:5432"\n'
        '[[listener]]\nname = "rw"\nbind = ["127.0.0.1:15432"]\nservers = ["db"]\n'
        f'[[vrrp]]\nname = "VI_1"\ninterface = "{interface}"\nvirtual_router_id = 51\n'
        f'virtual_addresses = ["10.254.0.200/24"]\nunicast_source = "{source}"\nunicast_peers = ["{peer}"]\n')


def test_a_unicast_source_of_another_node_is_refused(lab, workdir):
    lab.add_host("p1")
    lab.add_host("p2")
    p2 = host_address(lab, "p2")
    config = workdir / "p1.toml"
    # The file of p2 copied to p1: its unicast_source is p2's address.
    write_config(config, "eth0", p2, host_address(lab, "p1"), workdir / "p1.sock")
    check = subprocess.run(["ip", "netns", "exec", lab.ns("p1"), str(pgfloat_bin()), "check", "-c", str(config)],
                           capture_output=True, text=True, timeout=30)
    print(check.stdout, check.stderr)
    assert f"vrrp.unicast_source: warning: {p2} is not an address of this host" in check.stdout
    assert check.returncode == 0, "a warning: the unit's ExecStartPre must not keep the proxy from starting"

    elsewhere = workdir / "elsewhere.toml"
    write_config(elsewhere, "nosuch0", p2, host_address(lab, "p1"), workdir / "p1.sock")
    check = subprocess.run(["ip", "netns", "exec", lab.ns("p1"), str(pgfloat_bin()), "check", "-c", str(elsewhere)],
                           capture_output=True, text=True, timeout=30)
    assert "cannot tell whether" in check.stdout and "nosuch0" in check.stdout, check.stdout
    assert check.returncode == 0

    run = lab.run("p1", str(pgfloat_bin()), "run", "-c", str(config))
    try:
        def log() -> str:
            path = getattr(run, "log_path", None)
            return Path(path).read_text() if path and Path(path).exists() else ""

        refused = f"unicast_source {p2} is not an address of this host"
        wait_until(lambda: refused in log(), 15, "pgfloat run to refuse the instance")
        assert "VI_1" in log(), log()
        assert lab.holders("10.254.0.200", ["p1"]) == []
    finally:
        if run.poll() is None:
            lab.kill(run)
