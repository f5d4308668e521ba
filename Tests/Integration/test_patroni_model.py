"""pgfloat selecting by Patroni's model in front of a real Patroni cluster: tags
(`noloadbalance`, a listener's `tags`), synchronous standbys (roles `sync` and `async`),
maintenance mode (`patronictl pause`), learnt once through `patroni` checks and once through
`[dcs]` (member records and the `sync` key) with `pgsql` checks; and a Patroni standby cluster
of it, whose leader the role `standby-leader` takes.

Run as root:  python3 -m pytest -v -s Tests/Integration/test_patroni_model.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

One etcd and four Patroni nodes on loopback in synchronous mode (one synchronous standby).
node3 carries `noloadbalance` (Patroni's /replica and /read-only refuse it), `nofailover` and
`nosync`, so the leader and the synchronous standby are two of node1, node2 and node4 and the
third is asynchronous; node1, node3 and node4 are tagged datacenter=east. Expected pools are
computed from what Patroni itself answers, never assumed, and none is empty. Skipped (never failed) without
network to install Patroni or etcd.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from harness import (HOST, PGFloat, free_port, listener, pgfloat_config, run_psql, server,
                     skip_module_unless_runnable, wait_until)
from patroni_harness import NAMESPACE, PatroniCluster, missing

skip_module_unless_runnable()

TAGS = {
    "node1": {"datacenter": "east"},
    "node2": {"datacenter": "west"},
    "node3": {"datacenter": "east", "noloadbalance": True, "nofailover": True, "nosync": True},
    "node4": {"datacenter": "east"},
}
# Each listener: (role, tags) and what Patroni endpoint HAProxy would ask for it.
LISTENERS = {
    "sync": ("sync", None),                      # /sync
    "async": ("async", None),                    # /async
    "east": ("replica", {"datacenter": "east"}),  # /replica?tag_datacenter=east
    "readonly": ("any", None),                   # /read-only
}


@pytest.fixture(scope="module")
def patroni():
    reason = missing()
    if reason:
        pytest.skip(reason)
    cluster = PatroniCluster(size=len(TAGS), tags=TAGS, synchronous_mode=True)
    try:
        leader = cluster.wait_healthy()
        # Patroni names the synchronous standby a loop or two after the cluster is healthy.
        wait_until(lambda: sync_standbys(cluster), 60, "Patroni to name a synchronous standby")
        cluster.leader_at_start = leader
        yield cluster
    finally:
        cluster.teardown()


def sync_standbys(cluster: PatroniCluster) -> set[str]:
    return {name for name, node in cluster.nodes.items() if (node.status() or {}).get("sync_standby")}


def expected_pools(cluster: PatroniCluster) -> dict[str, set[int]]:
    """Each listener's pool as Patroni's own endpoints would answer, from /patroni."""
    leader = cluster.leader()
    statuses = {name: node.status() or {} for name, node in cluster.nodes.items()}
    balanced = {name for name, st in statuses.items() if not st.get("tags", {}).get("noloadbalance")}
    replicas = {name for name, st in statuses.items() if st.get("role") == "replica"} & balanced
    sync = {name for name in replicas if statuses[name].get("sync_standby")}
    east = {name for name in replicas if statuses[name].get("tags", {}).get("datacenter") == "east"}
    pools = {"sync": sync, "async": replicas - sync, "east": east, "readonly": replicas | {leader}}
    return {key: {cluster.nodes[name].pg_port for name in names} for key, names in pools.items()}


def start_pgfloat(cluster: PatroniCluster, through_store: bool) -> PGFloat:
    sport = free_port()
    ports = {name: free_port() for name in LISTENERS}
    names = list(cluster.nodes)
    listeners = []
    for name, (role, tags) in LISTENERS.items():
        extra = {"role": role, **({"tags": tags} if tags else {})}
        listeners.append(listener(name, ports[name], names, balance="roundrobin", **extra))
    if through_store:
        servers = [server(name, node.pg_port) for name, node in cluster.nodes.items()]
        check = {"type": "pgsql", "user": "postgres", "interval": "500ms", "rise": 1, "fall": 2}
        dcs = {"type": "etcd3", "endpoints": [cluster.etcd.client_url], "namespace": NAMESPACE,
               "scope": cluster.scope, "timeout": "1s"}
    else:
        servers = [server(name, node.pg_port, check_port=node.rest_port) for name, node in cluster.nodes.items()]
        check = {"type": "patroni", "interval": "500ms", "rise": 1, "fall": 2}
        dcs = None
    pf = PGFloat(pgfloat_config(servers, listeners, global_={"stats_bind": f"{HOST}:{sport}"},
                                defaults={"timeout_queue": "2s"}, check=check, dcs=dcs))
    pf.start(ports=list(ports.values()))
    pf.ports, pf.stats_port = ports, sport
    return pf


@pytest.fixture(scope="module", params=["patroni-check", "dcs"])
def proxy(request, patroni):
    pf = start_pgfloat(patroni, through_store=request.param == "dcs")
    pf.through_store = request.param == "dcs"
    try:
        yield pf
    finally:
        code = pf.stop()
        print(f"--- pgfloat ({request.param}) exit={code} log (tail) ---\n{pf.log_tail()}")
        pf.cleanup()


def pool_hits(port: int, tries: int = 8) -> set[int]:
    """The server ports `tries` fresh connections through `port` landed on (roundrobin)."""
    hits = set()
    for _ in range(tries):
        r = run_psql(port, "SELECT inet_server_port()", timeout=10)
        if r.returncode == 0 and r.stdout.strip():
            hits.add(int(r.stdout.strip().splitlines()[0]))
    return hits


def status(pf: PGFloat) -> dict:
    with urllib.request.urlopen(f"http://{HOST}:{pf.stats_port}/status.json", timeout=5) as response:
        return json.load(response)


def test_pools_follow_tags_and_the_synchronous_standby(patroni, proxy):
    expected = expected_pools(patroni)
    print(f"pools as Patroni answers (ports): {expected}")
    assert all(expected.values()), f"a pool Patroni answers is empty, the test would prove little: {expected}"
    node3 = patroni.nodes["node3"].pg_port
    assert all(node3 not in pool for pool in expected.values()), "noloadbalance keeps node3 out of every pool"
    for name, pool in expected.items():
        wait_until(lambda: pool_hits(proxy.ports[name]) == pool, 30,
                   f"listener {name} to use exactly the ports {sorted(pool)}, as Patroni answers")


def test_status_shows_tags_sync_and_no_failover(patroni, proxy):
    sync = sync_standbys(patroni)

    def shown():
        servers = {s["name"]: s["patroni"] for s in status(proxy)["servers"]}
        return servers if all(servers.get(name) for name in patroni.nodes) else None
    servers = wait_until(shown, 20, "every server's Patroni facts in status.json")
    node3 = servers["node3"]
    assert (node3["nofailover"], node3["nosync"], node3["noloadbalance"]) == (True, True, True)
    assert node3["tags"]["datacenter"] == "east"
    assert servers["node2"]["tags"] == {"datacenter": "west"}
    assert {name for name, facts in servers.items() if facts["sync_standby"]} == sync


def test_pause_is_shown_and_logged(patroni, proxy):
    if proxy.through_store:
        pytest.skip("member records do not carry the pause: only the patroni check reports it")
    assert status(proxy)["process"]["patroni_paused"] is False
    r = patroni.patronictl("pause", "--wait")
    assert r.returncode == 0, r.stderr
    try:
        wait_until(lambda: status(proxy)["process"]["patroni_paused"] is True, 20, "patroni_paused in status.json")
        wait_until(lambda: "patroni maintenance" in proxy.log_text(), 10, "a log line for the pause")
    finally:
        r = patroni.patronictl("resume", "--wait")
        assert r.returncode == 0, r.stderr
    wait_until(lambda: status(proxy)["process"]["patroni_paused"] is False, 20, "the pause to end in status.json")


@pytest.fixture(scope="module")
def standby(patroni):
    """A 2-node Patroni standby cluster (members dr1, dr2) replicating from the main cluster's leader."""
    leader = patroni.leader()
    cluster = PatroniCluster(size=2, standby_of=patroni.nodes[leader].pg_port, name_prefix="dr")
    try:
        cluster.wait_healthy()
        yield cluster
    finally:
        cluster.teardown()


@pytest.mark.parametrize("through_store", [False, True], ids=["patroni-check", "dcs"])
def test_standby_leader_role_takes_the_standby_clusters_leader(standby, through_store):
    leader = standby.leader()
    assert (standby.nodes[leader].status() or {}).get("role") == "standby_leader"
    sport, lport, pport = free_port(), free_port(), free_port()
    names = list(standby.nodes)
    listeners = [listener("dr_leader", lport, names, role="standby-leader"),
                 listener("dr_primary", pport, names, role="primary")]
    if through_store:
        servers = [server(name, node.pg_port) for name, node in standby.nodes.items()]
        check = {"type": "pgsql", "user": "postgres", "interval": "500ms", "rise": 1, "fall": 2}
        dcs = {"type": "etcd3", "endpoints": [standby.etcd.client_url], "namespace": NAMESPACE,
               "scope": standby.scope, "timeout": "1s"}
    else:
        servers = [server(name, node.pg_port, check_port=node.rest_port) for name, node in standby.nodes.items()]
        check = {"type": "patroni", "interval": "500ms", "rise": 1, "fall": 2}
        dcs = None
    pf = PGFloat(pgfloat_config(servers, listeners, global_={"stats_bind": f"{HOST}:{sport}"},
                                defaults={"timeout_queue": "1s"}, check=check, dcs=dcs))
    pf.stats_port = sport
    try:
        pf.start(ports=[lport, pport])
        want = {standby.nodes[leader].pg_port}
        wait_until(lambda: pool_hits(lport, tries=4) == want, 30, f"dr_leader to use only {leader}")
        facts = {s["name"]: (s["patroni"] or {}).get("standby_leader") for s in status(pf)["servers"]}
        assert facts == {name: name == leader for name in names}
        assert run_psql(pport, "SELECT 1", timeout=10).returncode != 0, "a standby cluster takes no writes"
        # The leader key names the standby leader, a replica by design: not a store/check disagreement.
        assert "dcs disagreement" not in pf.log_text()
    finally:
        code = pf.stop()
        print(f"--- pgfloat (standby, {'dcs' if through_store else 'patroni-check'}) exit={code} ---\n{pf.log_tail()}")
        pf.cleanup()
