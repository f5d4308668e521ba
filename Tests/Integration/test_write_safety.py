"""Write safety across failovers (issue 16): no write acknowledged through pgfloat is missing from the surviving
primary's timeline, counted by a writer that inserts a unique id on a fresh connection every 50 ms (write_safety.py
describes the scenarios). Two pgfloats in front of the same primary + standby, each with its own writer: one with
`pgsql` checks only (interval 500ms), one that also follows the leader key in an etcd the test writes as Patroni
would. Scenario (c) runs on a real two-node Patroni cluster instead, with `patroni` checks (skipped without Patroni).

Run as root:  python3 -m pytest -v -s Tests/Integration/test_write_safety.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

`-s` prints the counts. bench/write-safety.sh runs the same scenarios with HAProxy and pgfloat's default timing
beside them, for the README's table.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from harness import listener, pgfloat_config, run_psql, server, skip_module_unless_runnable, wait_until
from patroni_harness import NAMESPACE as PATRONI_NAMESPACE
from patroni_harness import Etcd, PatroniCluster, ensure_etcd, missing
from write_safety import (CREATE_TABLES, Contender, EtcdRelays, LeaderKey, cut_off_from_etcd, promote_and_die,
                          switchover)

skip_module_unless_runnable()

INTERVAL = 0.5
CHECK = {"type": "pgsql", "interval": "500ms", "fast_interval": "250ms", "timeout": "1s", "rise": 2, "fall": 2}
TIMEOUT_QUEUE = "2s"
NAMESPACE = "/service"
# Without a store, the old primary may take writes until pgfloat's next check of the promoted standby (at most one
# interval after the promotion) has been answered and handled; the rest is psql's round trip on a loaded machine.
WINDOW_BOUND = INTERVAL + 1.0


@pytest.fixture
def etcd():
    reason = ensure_etcd()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="pgfloat-ws-etcd-"))
    store = Etcd(base, f"ws-{uuid.uuid4().hex[:8]}")
    try:
        store.start()
        yield store
    finally:
        store.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def setup(make_cluster, pgfloat, port, etcd):
    """A primary + standby1 with the tables, the leader key naming the primary, and the two pgfloats."""
    def build():
        c = make_cluster(standbys=1, name="pgfloat-ws")
        c.psql("primary", CREATE_TABLES)
        wait_until(lambda: c.psql("standby1", "SELECT to_regclass('write_safety_load') IS NOT NULL") == "t", 15,
                   "the tables to reach standby1")
        scope = f"ws-{uuid.uuid4().hex[:10]}"
        key = LeaderKey(etcd, f"{NAMESPACE}/{scope}")
        key.set("primary")
        contenders = []
        for label, dcs in (("checks", None), ("dcs", {"type": "etcd3", "endpoints": [etcd.client_url],
                                                       "namespace": NAMESPACE, "scope": scope})):
            lport = port()
            config = pgfloat_config(
                [server(n, c.nodes[n].port) for n in ("primary", "standby1")],
                [listener("postgres_primary", lport, ["primary", "standby1"], balance="first", role="primary")],
                defaults={"timeout_queue": TIMEOUT_QUEUE}, check=CHECK, **({"dcs": dcs} if dcs else {}))
            pgfloat(config, ports=[lport])
            wait_until(lambda: run_psql(lport, "SELECT inet_server_port()").stdout.strip() == str(c.primary.port),
                       15, f"pgfloat ({label}) to route writes to the primary")
            contenders.append(Contender(label, lport, follows_store=dcs is not None))
        return c, key, contenders
    return build


def show(scenario: str, contenders, outcome) -> None:
    for c in contenders:
        print(f"\nwrite safety {scenario}, pgfloat {c.label}: {outcome.counts[c.label][scenario[1]].line()}",
              flush=True)


def test_promotion_with_the_old_primary_writable_then_the_new_one_dies(setup):
    cluster, key, contenders = setup()
    old, new = cluster.primary.port, cluster.nodes["standby1"].port
    outcome = promote_and_die(cluster, contenders, key, steady=2.0, dead=4.0)
    show("(a)", contenders, outcome)
    show("(b)", contenders, outcome)
    checks, dcs = (outcome.counts[c.label] for c in contenders)

    # (a) With the store: the key moved before the promotion, so nothing is lost and the old primary's last
    # acknowledgement came before the promotion.
    assert dcs["a"].lost == [], f"pgfloat with [dcs] lost acknowledged writes {dcs['a'].lost[:20]}"
    assert dcs["a"].window is not None and dcs["a"].window < 0, dcs["a"].line()
    # Checks only: what was lost, the old primary took in the window before pgfloat's next check of standby1.
    assert checks["a"].window is not None and checks["a"].window <= WINDOW_BOUND, checks["a"].line()
    assert set(checks["a"].lost_by_server) <= {old}, checks["a"].line()
    assert checks["a"].by_server.get(new, 0) > 0 and checks["a"].by_server.get(old, 0) > 0, checks["a"].line()
    # (b) The old primary is on an older timeline than the newest pgfloat saw: no write goes back to it.
    for c in contenders:
        b = outcome.counts[c.label]["b"]
        assert b.acknowledged == 0 and b.lost == [], f"{c.label}: {b.line()}"
        assert b.refused == b.attempts > 0, f"{c.label}: {b.line()}"


def test_switchover_under_pgbench(setup, tmp_path):
    cluster, key, contenders = setup()
    outcome = switchover(cluster, contenders, key, tmp_path, steady=2.0, load_seconds=15)
    show("(d)", contenders, outcome)
    for c in contenders:
        d = outcome.counts[c.label]["d"]
        assert d.lost == [], f"{c.label} lost acknowledged writes {d.lost[:20]}"
        assert d.by_server.get(cluster.nodes["standby1"].port, 0) > 0, f"{c.label}: {d.line()}"
        assert "number of transactions actually processed" in c.pgbench_output, c.pgbench_output


@pytest.fixture
def patroni_cut(pgfloat, port):
    """A healthy two-node Patroni cluster whose members reach etcd through relays, the table on both, and the two
    pgfloats with `patroni` checks on the members' REST ports (one with `[dcs]` on the cluster's etcd)."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    relays = EtcdRelays()
    cluster = PatroniCluster(size=2, etcd_via=relays.via)
    try:
        leader = cluster.wait_healthy(180)
        r = run_psql(cluster.nodes[leader].pg_port, CREATE_TABLES)
        assert r.returncode == 0, r.stderr
        for node in cluster.nodes.values():
            wait_until(lambda: run_psql(node.pg_port, "SELECT to_regclass('write_safety_load') IS NOT NULL",
                                        timeout=10).stdout.strip() == "t", 30, f"the tables to reach {node.name}")
        names = list(cluster.nodes)
        contenders = []
        for label, dcs in (("checks", None), ("dcs", {"type": "etcd3", "endpoints": [cluster.etcd.client_url],
                                                       "namespace": PATRONI_NAMESPACE.rstrip("/"),
                                                       "scope": cluster.scope})):
            lport = port()
            config = pgfloat_config(
                [server(n, node.pg_port, check_port=node.rest_port) for n, node in cluster.nodes.items()],
                [listener("postgres_primary", lport, names, balance="first", role="primary")],
                defaults={"timeout_queue": TIMEOUT_QUEUE}, check={**CHECK, "type": "patroni"},
                **({"dcs": dcs} if dcs else {}))
            pgfloat(config, ports=[lport])
            want = str(cluster.nodes[leader].pg_port)
            wait_until(lambda: run_psql(lport, "SELECT inet_server_port()").stdout.strip() == want, 15,
                       f"pgfloat ({label}) to route writes to the leader")
            contenders.append(Contender(label, lport, follows_store=dcs is not None))
        yield cluster, relays, contenders
    finally:
        cluster.teardown()
        relays.close()


def test_patroni_failover_with_the_old_leader_cut_off_from_etcd(patroni_cut):
    cluster, relays, contenders = patroni_cut
    outcome = cut_off_from_etcd(cluster, relays, contenders)
    show("(c)", contenders, outcome)
    events = outcome.events
    print(f"\n(c) cut -> leader key on another member {events['leader key'] - events['cut']:.2f}s, "
          f"-> promoted {events['promoted'] - events['cut']:.2f}s", flush=True)
    for c in contenders:
        counted = outcome.counts[c.label]["c"]
        assert counted.lost == [], f"{c.label} lost acknowledged writes {counted.lost[:20]}"
        assert counted.window is not None and counted.window < events["promoted"] - events["cut"], counted.line()
