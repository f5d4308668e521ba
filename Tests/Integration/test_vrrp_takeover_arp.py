"""Two masters at once, then the partition heals: the winner must re-announce the VIP (keepalived's
garp_lower_prio_repeat), or clients keep sending to the loser's MAC until their neighbour entry ages.

Adverts between p1 (priority 150) and p2 (100) are dropped with nftables at the switch, so both hold
the VIP and the client's neighbour entry follows p2's gratuitous ARPs. By default the partition heals in the
order that lets p1 hear p2's lower-priority advert first (the p2-to-p1 rule goes first, and the other only once
p1 has counted an advert from p2); otherwise p2 may hear p1 first and step down silently, leaving p1 nothing
to answer. With `higher_prio_send_advert` (keepalived's, on by default in pgfloat) p2 advertises as it yields,
so both directions may open in one nft transaction; the first test turns it off to see the winner's own answer.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from harness import wait_until
from netns_lab import Lab, lab_fixture  # noqa: F401
from test_vrrp import _needs_lab, Node, PORT, workdir  # noqa: F401

NFT_TABLE = "pgfloat_vtrack_block"


@pytest.fixture(autouse=True, scope="module")
def _needs_nft():
    if shutil.which("nft") is None:
        pytest.skip("nft not installed")


def block_adverts(lab: Lab, source: str, target: str) -> None:
    """Drop VRRP from host `source` to host `target` at the switch (a bridge-family table per direction)."""
    lab.check_output("switch", "nft", "-f", "-", input=(
        f"table bridge {table(source, target)} {{\n"
        "  chain forward { type filter hook forward priority 0; policy accept;\n"
        f"    iifname {lab.hosts[source].links['eth0'].switch_ifname} "
        f"oifname {lab.hosts[target].links['eth0'].switch_ifname} ip protocol vrrp drop\n"
        "  }\n}\n"))


def unblock_adverts(lab: Lab, *directions: tuple[str, str]) -> None:
    """Heal the given (source, target) directions in one nft transaction, so they open at the same instant."""
    lab.check_output("switch", "nft", "-f", "-",
                     input="".join(f"delete table bridge {table(*d)}\n" for d in directions))


def table(source: str, target: str) -> str:
    return f"{NFT_TABLE}_{source}_{target}"


def neighbour_mac(lab: Lab, host: str, address: str) -> str | None:
    """The link-layer address `host`'s neighbour table holds for `address`, if any."""
    entries = json.loads(lab.ip(host, "-j", "neigh", "show", "to", address, "dev", "eth0") or "[]")
    return next((e["lladdr"] for e in entries if "lladdr" in e), None)


def seconds_in_state(node: Node) -> int:
    since = node.vrrp().get("since", "-").rstrip("s")
    return int(since) if since.isdigit() else 0


def received(node: Node) -> int:
    return int(node.vrrp().get("received", "0"))


class TwoMasters:
    """p1 (150) and p2 (100) both master behind an advert partition, the client's neighbour entry on p2's MAC."""

    def __init__(self, lab: Lab, workdir: Path, **extra):
        self.lab = lab
        for host in ("p1", "p2", "db", "client"):
            lab.add_host(host)
        lab.tcp_listener("db", PORT)
        self.vip = vip = lab.vip()
        db = lab.address("db").split("/")[0]
        # No later bursts of their own (garp_master_delay, refresh): what the client ends up with after the heal
        # comes from the winner's answer to the loser's advert.
        vrrp = {"advert_interval": "100ms", "garp_master_delay": "0s", "garp_master_refresh": "0s", **extra}
        self.p1 = Node(lab, "p1", workdir, db, vip, priority=150, **vrrp).start()
        wait_until(lambda: lab.holders(vip, ["p1", "p2"]) == ["p1"], 10, "p1 to hold the VIP")
        self.p2 = Node(lab, "p2", workdir, db, vip, priority=100, **vrrp).start()
        wait_until(lambda: self.p2.state() == "BACKUP", 10, "p2 in BACKUP")
        # Linux ignores an ARP update within `locktime` of the last one; the test is about who announces.
        lab.check_output("client", "sysctl", "-qw", "net.ipv4.neigh.eth0.locktime=0")
        assert lab.ping("client", vip), "the client reaches the VIP"
        self.p1_mac, self.p2_mac = lab.mac("p1"), lab.mac("p2")
        assert self.client_mac() == self.p1_mac

        block_adverts(lab, "p1", "p2")
        block_adverts(lab, "p2", "p1")
        wait_until(lambda: lab.holders(vip, ["p1", "p2"]) == ["p1", "p2"], 5, "two masters")
        wait_until(lambda: self.client_mac() == self.p2_mac, 5, "the client to follow p2's announcement")
        # p2 sends a follow-up burst 1.1 s after taking over; it must be behind us, or it could land after the heal.
        wait_until(lambda: seconds_in_state(self.p2) >= 2, 5, "p2 master for 2 s")
        assert self.client_mac() == self.p2_mac

    def client_mac(self) -> str | None:
        return neighbour_mac(self.lab, "client", self.vip)

    def expect_client_on_p1_within_a_second_of(self, healed: float) -> None:
        wait_until(lambda: self.lab.holders(self.vip, ["p1", "p2"]) == ["p1"], 3, "p2 to step down")
        try:
            wait_until(lambda: self.client_mac() == self.p1_mac, max(0.0, healed + 1.0 - time.monotonic()),
                       "the client's neighbour entry to point at p1", interval=0.02)
        except TimeoutError:
            pytest.fail(f"1 s after the heal the client still sends to {self.client_mac()} "
                        f"(p1 {self.p1_mac}, p2 {self.p2_mac})")
        print(f"client on p1's MAC {time.monotonic() - healed:.2f}s after the heal")
        assert self.p1.state() == "MASTER" and self.p2.state() == "BACKUP"


def test_after_two_masters_the_winner_reannounces_the_vip(lab, workdir):
    masters = TwoMasters(lab, workdir, higher_prio_send_advert=False)
    heard = received(masters.p1)
    unblock_adverts(lab, ("p2", "p1"))
    wait_until(lambda: received(masters.p1) > heard, 3, "p1 to hear p2's lower-priority advert")
    unblock_adverts(lab, ("p1", "p2"))
    masters.expect_client_on_p1_within_a_second_of(time.monotonic())


def test_a_yielding_master_advertises_so_the_winner_reannounces_whoever_hears_first(lab, workdir):
    """higher_prio_send_advert (the default): whether p2 hears p1 first or the other way round, p1 announces."""
    masters = TwoMasters(lab, workdir)
    unblock_adverts(lab, ("p1", "p2"), ("p2", "p1"))
    masters.expect_client_on_p1_within_a_second_of(time.monotonic())
