"""VRRP across reloads and graceful stops, with three pgfloat nodes in network namespaces and a client
connecting through the VIP every 50 ms:

- a reload that cannot bind, pushed to every node, leaves the running configuration and the election alone;
- a graceful stop hands the VIP over without losing a connection attempt: the old master keeps the VIP and
  its listeners until the new master speaks, so a SYN still reaching its MAC is served.

PGFLOAT_HANDOVERS sets how many graceful handovers the second test makes (default 20, issue 15's bar; about 1.5 s
each at 100 ms adverts).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from harness import wait_until
from netns_lab import Lab, lab_fixture  # noqa: F401
from test_vrrp import NODES, PORT, _needs_lab, cluster, holds, workdir  # noqa: F401

HANDOVERS = int(os.environ.get("PGFLOAT_HANDOVERS", "20"))


def info(node) -> dict[str, str]:
    """`show info` as a dict."""
    return dict(line.split(": ", 1) for line in node.ctl("show info").splitlines() if ": " in line)


def test_a_reload_that_cannot_bind_on_every_node_keeps_the_vip_and_the_clients(lab: Lab, workdir):
    nodes, vip = cluster(lab, workdir)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    db = lab.address("db").split("/")[0]
    # The same file, pushed to all three nodes, adds a listener on a port another process holds everywhere.
    squatters = [lab.tcp_listener(host, 6000) for host in NODES]
    with lab.prober("client", vip, PORT, timeout=1.0) as prober, lab.sample_holders(vip) as holders:
        wait_until(lambda: prober.successes() >= 5, 5, "probes through p1")
        started = time.monotonic()
        for node in nodes.values():
            node.write(db, extra=f'[[listener]]\nname = "extra"\nbind = ["0.0.0.0:6000"]\nservers = ["db"]\n')
            node.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: all("reload failed" in n.log() for n in nodes.values()), 10,
                   "every node to log its failed reload")
        # An observation window: today the nodes go FAULT one VRRP tracking period (200 ms) after the reload.
        time.sleep(2)
        after = time.monotonic()
        wait_until(lambda: prober.successes(since=after) >= 3, 5, "probes after the reloads")
    print(f"reload failed on every node at +{time.monotonic() - started:.2f}s\n{holders.report(origin=started)}"
          f"\n{prober.report()}")
    assert [n.state() for n in nodes.values()] == ["MASTER", "BACKUP", "BACKUP"]
    assert {s for _, s in holders.samples} == {("p1",)}, holders.report(origin=started)
    assert not prober.outages(), prober.report()
    for node in nodes.values():
        assert info(node).get("ReloadFailures") == "1", node.ctl("show info")
        # The running listeners still serve, and nothing half-applied stays bound: the next good reload works.
        assert lab.tcp_connect("client", lab.address(node.host).split("/")[0], PORT) is not None
    for squatter in squatters:
        lab.kill(squatter)
    for node in nodes.values():
        node.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: all(lab.tcp_connect("client", lab.address(h).split("/")[0], 6000) is not None
                           for h in NODES), 10, "the extra listener after a good reload")
    assert all(info(n).get("ReloadFailures") == "1" for n in nodes.values())
    assert holds(lab, vip, "p1")


def master_of(nodes) -> str | None:
    states = {host: node.state() for host, node in nodes.items() if node.proc and node.proc.poll() is None}
    masters = [host for host, state in states.items() if state == "MASTER"]
    return masters[0] if len(masters) == 1 else None


def test_graceful_handovers_lose_no_connection_attempt(lab: Lab, workdir):
    # 100 ms adverts keep each handover short; preempt off, so a returning node stays backup and only the
    # graceful handovers move the VIP: SIGTERM of the master (then a restart), and the runtime API's
    # `set vrrp VI_1 state backup` (then `auto`), in turn.
    nodes, vip = cluster(lab, workdir, advert_interval="100ms", preempt=False)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    handovers: list[str] = []
    with lab.prober("client", vip, PORT, timeout=1.0, max_duration=600) as prober:
        wait_until(lambda: prober.successes() >= 5, 5, "probes through p1")
        started = time.monotonic()
        for index in range(HANDOVERS):
            old = master_of(nodes)
            assert old, {h: n.state() for h, n in nodes.items()}
            how = "SIGTERM" if index % 2 == 0 else "admin"
            stop_at = time.monotonic()
            if how == "SIGTERM":
                nodes[old].stop(signal.SIGTERM)
                assert nodes[old].proc.poll() is not None, f"{old} did not stop"
            else:
                assert nodes[old].ctl("set", "vrrp", "VI_1", "state", "backup").strip() == ""
            wait_until(lambda: master_of(nodes) not in (None, old), 5, "a new master")
            new = master_of(nodes)
            moved = time.monotonic()
            wait_until(lambda: prober.successes(since=moved) >= 2, 5, f"probes through {new}")
            handovers.append(f"{how} {old}->{new} {moved - stop_at:.2f}s")
            if how == "SIGTERM":
                nodes[old].start()
            else:
                wait_until(lambda: lab.holders(vip) == [new], 5, f"{old} to release the VIP")
                nodes[old].ctl("set", "vrrp", "VI_1", "state", "auto")
            wait_until(lambda: nodes[old].state() == "BACKUP", 10, f"{old} back as backup")
    outages = prober.outages()
    print(f"{len(handovers)} handovers in {time.monotonic() - started:.1f}s: {', '.join(handovers)}\n"
          f"{prober.report()}")
    failed = sum(o.failures for o in outages)
    assert failed == 0, f"{failed} failed attempts in {len(outages)} outages\n{prober.report()}"


def test_vrrp_changes_apply_on_reload_without_a_restart(lab: Lab, workdir):
    nodes, vip = cluster(lab, workdir)
    wait_until(lambda: holds(lab, vip, "p1"), 10, "p1 to hold the VIP")
    db = lab.address("db").split("/")[0]
    pids = {host: node.proc.pid for host, node in nodes.items()}
    with lab.prober("client", vip, PORT, timeout=1.0) as prober:
        wait_until(lambda: prober.successes() >= 5, 5, "probes through p1")
        # A second VIP on every node (adverts carry the list, which must match), by reload: the master adds it
        # at once, the first one untouched.
        second = lab.vip(1)
        addresses = [f"{vip}/24", f"{second}/24"]
        for node, priority in zip(nodes.values(), (100, 90, 80)):
            node.write(db, priority=priority, virtual_addresses=addresses)
            node.proc.send_signal(signal.SIGHUP)
        p1 = nodes["p1"]
        wait_until(lambda: lab.holders(second, list(NODES)) == ["p1"], 5, "p1 to add the second VIP")
        assert p1.state() == "MASTER"
        # p2's priority raised above p1's: it preempts (preempt defaults to true) with no restart.
        p2 = nodes["p2"]
        p2.write(db, priority=150, virtual_addresses=addresses)
        p2.proc.send_signal(signal.SIGHUP)
        try:
            wait_until(lambda: holds(lab, vip, "p2"), 5, "p2 to preempt after its reload")
        except TimeoutError:
            raise AssertionError(p2.log()[-3000:] + p2.ctl("show vrrp"))
        moved = time.monotonic()
        wait_until(lambda: prober.successes(since=moved) >= 3, 5, "probes through p2")
    print(prober.report())
    assert {host: node.proc.pid for host, node in nodes.items()} == pids, "no restart"
    assert p2.vrrp().get("priority", "").startswith("150"), p2.vrrp()
    assert not prober.outages(), prober.report()
    # A change that needs a restart (another VRID) is refused in the log and changes nothing.
    p2.write(db, priority=150, virtual_addresses=addresses, virtual_router_id=52)
    p2.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "changes on restart only" in p2.log(), 5, "the restart-only warning")
    assert holds(lab, vip, "p2") and p2.state() == "MASTER"
