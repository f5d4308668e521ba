"""pgfloat's VRRP when the kernel changes the interface under it (issue 15, items 2 and 8), with three nodes in
network namespaces: a VIP deleted by hand on the master comes back at once; a deleted and recreated interface is
reopened (not left deaf); an instance whose interface is missing at start waits in FAULT while the proxy serves.
"""

from __future__ import annotations

import time


from harness import wait_until
from netns_lab import Lab, lab_fixture  # noqa: F401
from test_vrrp import cluster, holds, _needs_lab, Node, PORT, workdir  # noqa: F401


def test_a_vip_deleted_on_the_master_is_back_at_once(lab, workdir):
    nodes, vip = cluster(lab, workdir, advert_interval="100ms")
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    with lab.prober("client", vip, PORT) as prober:
        wait_until(lambda: prober.successes() >= 5, 5, "probes through p1")
        started = time.monotonic()
        lab.ip("p1", "addr", "del", f"{vip}/24", "dev", "eth0")
        back = None
        for _ in range(400):  # 2 s in 5 ms steps
            if holds(lab, vip, "p1"):
                back = time.monotonic() - started
                break
            time.sleep(0.005)
        assert back is not None, f"the VIP never came back on p1\n{nodes['p1'].log()[-2000:]}"
        wait_until(lambda: prober.successes(since=started) >= 10, 5, "probes after the deletion")
    print(f"VIP back on p1 {back * 1000:.0f} ms after `ip addr del`\n{prober.report()}")
    assert back < 0.3
    outage = prober.longest_outage()
    assert outage is None or outage.duration < 0.5, prober.report()
    assert nodes["p1"].vrrp()["vips_restored"] == "1"
    assert nodes["p1"].state() == "MASTER"
    assert lab.holders(vip) == ["p1"]


def test_a_vip_added_by_hand_on_a_backup_is_removed_at_once(lab, workdir):
    """A VIP on a node that is not master (an operator's `ip addr add`, a removal that failed) answers ARP for
    it: the address notification shows it, and the backup removes it, whatever its prefix."""
    nodes, vip = cluster(lab, workdir, advert_interval="100ms")
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    wait_until(lambda: nodes["p2"].state() == "BACKUP", 5, "p2 backup")
    lab.ip("p2", "addr", "add", f"{vip}/32", "dev", "eth0")
    wait_until(lambda: lab.holders(vip) == ["p1"], 2, "p2 to remove the VIP added by hand")
    assert nodes["p2"].state() == "BACKUP"


def test_a_recreated_interface_is_reopened_and_the_instance_hears_again(lab, workdir):
    # No preempt: the recreated node must rejoin as a backup that hears the new master, or it would take over.
    nodes, vip = cluster(lab, workdir, preempt=False)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    # The interface stays away until p2 has taken over. Back at once, p1 may leave FAULT within a few ms of its
    # last advert, and its Master_Down_Timer (priority 100) then ends before p2's (90): p1 would win again,
    # which is right but shows nothing about hearing.
    lab.delete_link("p1")
    wait_until(lambda: lab.holders(vip, ifname=None) == ["p2"], 6, "p2 to take over from p1 without an interface")
    assert nodes["p1"].state() == "FAULT"
    lab.restore_link("p1")
    wait_until(lambda: nodes["p1"].state() == "BACKUP", 6, "p1 to rejoin as backup")
    assert_hears_p2(lab, vip, nodes)
    # Deleted and recreated at once under a backup: p1 may only see the name come back under a new index.
    lab.recreate_link("p1")
    index = lab.ifindex("p1")
    wait_until(lambda: f"VRRP interface opened index={index} " in nodes["p1"].log()
               and nodes["p1"].state() == "BACKUP", 6, f"p1 back as backup on the newest interface ({index})")
    assert_hears_p2(lab, vip, nodes)


def assert_hears_p2(lab: Lab, vip: str, nodes) -> None:
    """p1 stays backup for longer than Master_Down_Interval, counting p2's adverts: a deaf backup would claim."""
    heard = int(nodes["p1"].vrrp()["received"])
    with lab.sample_holders(vip) as after:
        time.sleep(4.5)
    assert after.max_holders() == 1, after.report()
    assert lab.holders(vip) == ["p2"] and nodes["p1"].state() == "BACKUP"
    assert int(nodes["p1"].vrrp()["received"]) >= heard + 3, "p1 hears p2's adverts on the new interface"


def test_an_instance_on_a_missing_interface_waits_in_fault_while_the_proxy_serves(lab, workdir):
    for host in ("p1", "db", "client"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT, reply="db")
    vip = lab.vip()
    db = lab.address("db").split("/")[0]
    node = Node(lab, "p1", workdir, db, vip, interface="eth1").start()
    wait_until(lambda: node.state() == "FAULT", 5, "the instance in FAULT")
    assert "eth1" in node.vrrp()["reasons"]
    assert lab.tcp_connect("client", lab.address("p1"), PORT, timeout=2) is not None, "the proxy accepts"
    lab.add_link("p1", "eth1", subnet="lan")
    wait_until(lambda: lab.holders(vip, ["p1"], ifname="eth1") == ["p1"], 10, "the instance up on eth1")
    assert node.state() == "MASTER"
    assert node.proc.poll() is None


def holders6(lab: Lab, vip: str) -> list[str]:
    return sorted(h for h in ("p1", "p2", "p3") if f"{vip}/64" in lab.addresses(h, family="inet6"))


def test_ipv6_instances_wait_for_dad_and_a_master_that_loses_ipv6_hands_over(lab, workdir):
    for host in ("p1", "p2", "p3", "db"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    vip = f"fd00:77:{lab.octet}::200"
    db = lab.address("db").split("/")[0]
    # Started at once: the veths' link-local addresses are still in duplicate address detection.
    nodes = {h: Node(lab, h, workdir, db, vip, priority=p, advert_interval="100ms",
                     virtual_addresses=[f"{vip}/64"]).start()
             for h, p in (("p1", 100), ("p2", 90), ("p3", 80))}
    wait_until(lambda: holders6(lab, vip) == ["p1"], 15, "p1 to hold the IPv6 VIP once DAD is done")
    # DAD takes a second; pgfloat started within it and waited in FAULT instead of exiting.
    assert nodes["p1"].transitions()[:1] == ["FAULT"], nodes["p1"].transitions()
    # Disabling IPv6 takes every IPv6 address away, link-local source and VIP alike, and refuses new ones.
    lab.check_output("p1", "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1")
    wait_until(lambda: holders6(lab, vip) == ["p2"], 5, "p2 to take over")
    wait_until(lambda: nodes["p1"].state() == "FAULT", 3, "p1 in FAULT")
    lab.check_output("p1", "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0")
    wait_until(lambda: holders6(lab, vip) == ["p1"], 10, "p1 to preempt once its link-local is usable")
    assert all(node.proc.poll() is None for node in nodes.values())
