"""Proves netns_lab.py and keepalived_harness.py with real keepalived and tshark.

No pgfloat binary is needed: these tests check the harness the VRRP driver's
integration tests will use. Everything runs in namespaces the tests create.
"""

from __future__ import annotations

import time

import pytest

from harness import wait_until
from keepalived_harness import config_test, keepalived_fixture, keepalived_version, render_config  # noqa: F401
from netns_lab import (Lab, Probe, compute_outages, lab_fixture, lab_unavailable,  # noqa: F401
                       list_namespaces, root_snapshot)

PORT = 5432


@pytest.fixture(autouse=True, scope="module")
def _needs_lab():
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)


# ---------------------------------------------------------------------------
# (a) the lab itself
# ---------------------------------------------------------------------------

def test_hosts_ping_and_root_namespace_untouched():
    before = root_snapshot()
    with Lab() as lab:
        for name in ("h1", "h2", "h3"):
            lab.add_host(name)
        during = root_snapshot()
        namespaces = [n for n in list_namespaces() if n.startswith(lab.prefix)]
        assert sorted(namespaces) == sorted([lab.switch_ns] + [h.ns for h in lab.hosts.values()])
        for src in lab.hosts:
            for dst in lab.hosts:
                if src != dst:
                    assert lab.ping(src, dst), f"{src} cannot ping {dst}"
        assert lab.addresses("h1") == [f"{lab.address('h1')}/24"]
        assert lab.holders(lab.address("h2")) == ["h2"]
        # A cut link stops traffic; heal restores it (both cut styles).
        for keep_carrier in (False, True):
            lab.cut("h3", keep_carrier=keep_carrier)
            assert not lab.ping("h1", "h3", timeout=1)
            lab.heal("h3")
            wait_until(lambda: lab.ping("h1", "h3"), 5, "h3 reachable again")
    assert during == before, f"root namespace changed: +{during - before} -{before - during}"
    assert root_snapshot() == before
    assert not [n for n in list_namespaces() if n.startswith(lab.prefix)]


def test_database_link_can_be_cut_alone():
    with Lab() as lab:
        lab.add_host("p1"), lab.add_host("p2"), lab.add_host("db", subnet="db")
        lab.add_link("p1", "eth1", "db")
        lab.add_link("p2", "eth1", "db")
        db = lab.address("db")
        assert lab.ping("p1", db) and lab.ping("p2", db) and lab.ping("p1", "p2")
        assert lab.address("p1", "eth1").rsplit(".", 1)[0] == db.rsplit(".", 1)[0]
        lab.cut("p1", "eth1")
        assert not lab.ping("p1", db, timeout=1)
        assert lab.ping("p1", "p2"), "the lan must survive a cut database link"
        assert lab.ping("p2", db)


def test_cleanup_after_exception_inside_with():
    procs = []
    with pytest.raises(RuntimeError, match="boom"):
        with Lab() as lab:
            prefix = lab.prefix
            lab.add_host("x"), lab.add_host("y")
            procs.append(lab.run("x", "sleep", "60"))
            procs.append(lab.tcp_listener("y", PORT))
            assert lab.tcp_connect("x", lab.address("y"), PORT) == "y"
            raise RuntimeError("boom")
    assert not [n for n in list_namespaces() if n.startswith(prefix)]
    for p in procs:
        assert p.poll() is not None, f"pid {p.pid} still running"


def test_compute_outages():
    def probe(t, ok, reply=""):
        return Probe(t, t + 0.001, ok, reply)
    probes = ([probe(i * 0.05, True, "a") for i in range(10)]
              + [probe(0.5 + i * 0.05, False) for i in range(20)]
              + [probe(1.5 + i * 0.05, True, "b") for i in range(5)]
              + [probe(1.75, False), probe(1.8, True, "b")])
    out = compute_outages(probes)
    assert [(o.failures, o.recovered, o.before, o.after) for o in out] == [(20, True, "a", "b"), (1, True, "b", "b")]
    assert out[0].duration == pytest.approx(1.5 - 0.45)
    tail = compute_outages([probe(0, True), probe(0.05, False), probe(0.1, False)])
    assert tail[0].recovered is False and tail[0].failures == 2
    assert compute_outages([probe(0.1, False), probe(0.15, True)], started=0.0)[0].duration == pytest.approx(0.15)


# ---------------------------------------------------------------------------
# keepalived
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [
    dict(version=3, vrid=51, priority=100, advert_int=1),
    dict(version=3, vrid=52, priority=90, advert_int=0.5, nopreempt=True),
    dict(version=2, vrid=53, priority=80, advert_int=1, auth_pass="s3cret"),
    dict(version=3, vrid=54, priority=100, advert_int=1, unicast_src="10.77.1.10",
         unicast_peers=["10.77.1.11", "10.77.1.12"]),
], ids=["v3", "v3-nopreempt", "v2-auth", "v3-unicast"])
def test_rendered_configs_pass_keepalived_config_test(keepalived, kw):
    text = render_config(router_id="t", vips=["10.77.1.200"], **kw)
    r = config_test(text)
    assert r.returncode == 0, f"{keepalived_version()} rejects:\n{text}\n{r.stdout}{r.stderr}"


def test_three_nodes_elect_highest_and_fail_over(lab, keepalived):
    nodes = ["k1", "k2", "k3"]
    for n in nodes:
        lab.add_host(n)
    lab.add_host("client")
    vip = lab.vip()
    for n in nodes:
        lab.tcp_listener(n, PORT)  # answers with its host name
    ka = {n: keepalived(lab, n, vips=[vip], priority=p, version=3, advert_int=1, vrid=51)
          for n, p in zip(nodes, (100, 90, 80))}

    # Election: k1 wins (3 x advert_int + skew after start) and is alone.
    wait_until(lambda: lab.holders(vip) == ["k1"], 8, "k1 to hold the VIP")
    with lab.sample_holders(vip) as steady:
        time.sleep(3)
    print(steady.report())
    assert len(steady.samples) >= 75 and steady.max_gap() < 0.2, steady.report()
    assert not steady.violations(), steady.report()
    assert {s for _, s in steady.samples} == {("k1",)}
    assert [ka[n].state() for n in nodes] == ["MASTER", "BACKUP", "BACKUP"]

    # Hard failure of the master: keepalived SIGKILLed (no priority-0 advert) and
    # the host cut off, so its stale VIP is unreachable. k2 must take over.
    survivors = ["k2", "k3"]
    with lab.prober("client", vip, PORT) as prober, lab.sample_holders(vip, hosts=survivors) as after:
        wait_until(lambda: prober.successes(reply="k1") >= 5, 5, "probes answered by k1")
        t_kill = time.monotonic()
        ka["k1"].crash()
        lab.cut("k1")
        wait_until(lambda: lab.holders(vip, survivors) == ["k2"], 8, "k2 to hold the VIP")
        moved = time.monotonic() - t_kill
        wait_until(lambda: prober.successes(since=t_kill, reply="k2") >= 10, 5, "probes answered by k2")
    print(f"VIP moved to k2 {moved:.2f}s after the kill; {prober.report()}")
    print(after.report(origin=t_kill))

    assert moved < 4.5, f"failover took {moved:.2f}s"
    taken = after.first(["k2"])
    assert taken is not None and not after.violations(since=taken), after.report(origin=t_kill)
    assert after.max_holders() == 1
    outage = prober.longest_outage()
    assert outage is not None and outage.recovered, prober.report()
    # The last probe before the outage may have completed its handshake with k1 just before the cut and
    # then heard nothing: a success without a reply.
    assert outage.before in ("k1", "") and outage.after == "k2", prober.report()
    # k2's master-down interval is 3 x 1 s + (256-90)/256 s = 3.65 s from k1's last
    # advert, which went out 0-1 s before the kill.
    assert 2.5 < outage.duration < 5.0, prober.report()
    assert len(prober.outages()) == 1, prober.report()
    assert ka["k2"].wait_state("MASTER", 3) and ka["k3"].state() == "BACKUP"


@pytest.mark.parametrize("version", [2, 3])
def test_tshark_decodes_adverts_and_gratuitous_arp(lab, keepalived, version):
    lab.add_host("a"), lab.add_host("b")
    vip = lab.vip()
    auth = "s3cret" if version == 2 else None
    with lab.capture("switch", "br-lan", "vrrp or arp") as cap:
        ka = keepalived(lab, "a", vips=[vip], priority=100, version=version, vrid=42, auth_pass=auth)
        keepalived(lab, "b", vips=[vip], priority=90, version=version, vrid=42, auth_pass=auth)
        wait_until(lambda: lab.holders(vip) == ["a"], 8, "a to hold the VIP")
        time.sleep(1.3)  # at least one periodic advert from the master
        ka.stop()        # graceful: priority-0 advert, so b takes over after skew time
        wait_until(lambda: lab.holders(vip) == ["b"], 4, "b to hold the VIP")
        time.sleep(1.3)
    mac = {h: lab.mac(h) for h in ("a", "b")}
    addr = {h: lab.address(h) for h in ("a", "b")}

    names = ("eth.src", "ip.src", "ip.dst", "ip.ttl", "vrrp.version", "vrrp.type",
             "vrrp.virt_rtr_id", "vrrp.prio", "vrrp.addr_count", "vrrp.checksum.status",
             "vrrp.ip_addr", "vrrp.auth_type", "vrrp.auth_string", "vrrp.adver_int",
             "vrrp.short_adver_int")
    adverts = cap.fields(*names, display_filter="vrrp")
    assert adverts, cap.text()
    for r in adverts:
        assert (r["vrrp.version"], r["vrrp.type"], r["vrrp.virt_rtr_id"]) == (str(version), "1", "42"), r
        assert (r["ip.dst"], r["ip.ttl"], r["vrrp.ip_addr"], r["vrrp.addr_count"]) == \
            ("224.0.0.18", "255", vip, "1"), r
        assert r["vrrp.checksum.status"] == "1", f"tshark says the checksum is not good: {r}"  # 1 = Good
        if version == 2:
            assert (r["vrrp.auth_type"], r["vrrp.auth_string"], r["vrrp.adver_int"]) == ("1", auth, "1"), r
        else:
            assert r["vrrp.short_adver_int"] == "100", r  # centiseconds
    prios = {(r["ip.src"], r["vrrp.prio"]) for r in adverts}
    assert {(addr["a"], "100"), (addr["a"], "0"), (addr["b"], "90")} <= prios, prios
    assert cap.count("vrrp && vrrp.checksum.status != 1") == 0
    assert "[Checksum Status: Good]" in cap.text("vrrp")

    garps = cap.fields("eth.src", "arp.opcode", "arp.isgratuitous", "arp.src.hw_mac",
                       display_filter=f"arp.src.proto_ipv4 == {vip} && arp.dst.proto_ipv4 == {vip}")
    from_b = [r for r in garps if r["eth.src"] == mac["b"]]
    assert from_b and all(r["arp.isgratuitous"] == "1" and r["arp.src.hw_mac"] == mac["b"]
                          for r in from_b), garps
    assert cap.count(f"arp.isgratuitous == 1 && eth.src == {mac['b']}") == len(from_b)
