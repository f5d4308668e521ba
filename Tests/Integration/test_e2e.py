"""End to end: the design document's scenarios (RFC-007) against the whole appliance in network namespaces.

Each test builds a fresh appliance (appliance_lab.py: 3 PostgreSQL 15 nodes in streaming replication, 3 pgfloat
proxies sharing a VIP by VRRP with 1 s adverts, pgsql checks every 1 s / 250 ms while changing, rise 2 fall 2, and a
client namespace), plays one scenario with client load running, asserts its outcome and prints the measured timings
(also shown without -s, through the terminal reporter). A build takes about 2 s.
"""

from __future__ import annotations

import signal
import time

import pytest

from appliance_lab import (RO_PORT, RW_PORT, Appliance, PgError, PgWire, appliance_unavailable,
                           server_state_lines)
from harness import wait_until
from netns_lab import call_in_netns

_reporter = {}


@pytest.fixture(autouse=True, scope="module")
def _needs_appliance(request):
    reason = appliance_unavailable()
    if reason:
        pytest.skip(reason)
    _reporter["tr"] = request.config.pluginmanager.getplugin("terminalreporter")
    _reporter["capture"] = request.config.pluginmanager.getplugin("capturemanager")


def report(msg: str) -> None:
    print(msg)
    tr, capture = _reporter.get("tr"), _reporter.get("capture")
    if tr is not None and capture is not None:
        with capture.global_and_fixture_disabled():   # shown even when the test passes
            tr.write_line(f"    [e2e] {msg}")


@pytest.fixture
def make_app():
    made: list[Appliance] = []

    def make(**kw) -> Appliance:
        app = Appliance(**kw)
        made.append(app)   # registered before build: closed even when the build fails
        return app.build()

    yield make
    for app in made:
        for p in ("p1", "p2", "p3"):
            tail = "\n".join(app.proxy_log(p).splitlines()[-15:])
            print(f"--- pgfloat {p} log (tail) ---\n{tail}")
        app.close()


def recent(app: Appliance, kind: str, n: int = 3, within: float = 0.6, server: str | None = None):
    """A predicate: at least n successes of `kind` in the last `within` seconds."""
    return lambda: app.load.successes(kind, time.monotonic() - within, server=server) >= n


def open_session_on(app: Appliance, port: int, node: str, tries: int = 20) -> PgWire:
    """A kept-open connection through VIP:port that landed on `node` (others are closed)."""
    for _ in range(tries):
        c = call_in_netns(app.lab.ns("client"), lambda: PgWire(app.vip, port, 3, appname="e2e-held"))
        if app.name_of_address.get(c.query("SELECT host(inet_server_addr())")[0][0]) == node:
            return c
        c.close()
    raise AssertionError(f"no session through :{port} landed on {node} in {tries} tries")


# ---------------------------------------------------------------------------
# happy paths
# ---------------------------------------------------------------------------

def test_happy_read_write_lands_on_primary_and_is_replicated(make_app):
    app = make_app()
    t0 = time.monotonic()
    rows = app.sql_via(RW_PORT, "INSERT INTO demo_load(kind) VALUES ('e2e-rw') RETURNING host(inet_server_addr()), id")
    latency = time.monotonic() - t0
    node, row_id = app.name_of_address[rows[0][0]], rows[0][1]
    assert node == "db1", f"the write landed on {node}, not the primary"
    seen = {}
    for standby in ("db2", "db3"):
        wait_until(lambda: app.sql(standby, f"SELECT count(*) FROM demo_load WHERE id = {row_id}") == "1", 10,
                   f"row {row_id} on {standby}", interval=0.02)
        seen[standby] = time.monotonic() - t0
    report(f"read-write: INSERT through VIP:5432 on {node} in {latency * 1000:.1f} ms; visible on db2 after "
           f"{seen['db2'] * 1000:.0f} ms, db3 after {seen['db3'] * 1000:.0f} ms (incl. psql start)")
    with pytest.raises(PgError) as err:   # the read-only path really is read-only
        app.sql_via(RO_PORT, "INSERT INTO demo_load(kind) VALUES ('nope')")
    assert err.value.sqlstate == "25006"


def test_happy_reads_round_robin_over_standbys_never_the_primary(make_app):
    app = make_app()
    order = [app.node_via(RO_PORT) for _ in range(20)]
    counts = {n: order.count(n) for n in set(order)}
    report(f"read balancing: 20 connections to VIP:5433 -> {counts}; order {' '.join(order[:8])} ...")
    assert "db1" not in order and None not in order
    assert set(order) == {"db2", "db3"} and abs(counts["db2"] - counts["db3"]) <= 1
    assert all(a != b for a, b in zip(order, order[1:])), "round-robin alternates"


def test_happy_rolling_maintenance_drain_return_and_switchover(make_app):
    app = make_app()
    load = app.start_load(timeout=3)
    wait_until(recent(app, "read", 5, 1.0), 10, "load running")
    held = open_session_on(app, RO_PORT, "db3")

    # Drain db3 on every proxy: no new sessions, the existing one goes on and finishes.
    drain_at = time.monotonic()
    for proxy, out in app.ctl_all("set server postgres_replicas/db3 state drain").items():
        assert "No such" not in out, out
    time.sleep(3)
    drained = load.window("read", drain_at + 0.2)
    assert "db3" not in drained.servers, f"db3 got new sessions while drained: {drained.line()}"
    assert held.query("SELECT 42") == [("42",)], "an existing session on the drained server goes on"
    held.close()
    stat = app.stat("p1")[("postgres_replicas", "db3")]
    wait_until(lambda: app.stat("p1")[("postgres_replicas", "db3")]["scur"] == "0", 5, "db3's sessions to end")
    report(f"drain db3: reads {drained.servers} for 3 s (status {stat['status']}, admin {stat['admin_state']}); "
           f"the held session on db3 kept working and ended cleanly")

    back_at = time.monotonic()
    app.ctl_all("set server postgres_replicas/db3 state ready")
    wait_until(recent(app, "read", 1, 1.0, server="db3"), 10, "db3 back in the replica pool")
    report(f"return db3: first read on db3 {time.monotonic() - back_at:.2f}s after `state ready`")
    maint = [load.window(k, drain_at) for k in ("write", "read")]
    for w in maint:
        report(f"drain+return {w.line()}")
        assert w.failed == 0, f"failed client transactions during drain/return: {w.line()}"

    # Switchover: clean stop of db1, promote db2, re-point db3, db1 rejoins as a standby of db2.
    sw_at = time.monotonic()
    app.pg_stop("db1", "fast")
    app.promote("db2")
    app.follow("db3", "db2")
    wait_until(recent(app, "write", 3, 0.6, server="db2"), 20, "writes on db2")
    resumed = time.monotonic() - sw_at
    app.rejoin_as_standby("db1", "db2")
    app.wait_streaming("db2", 2, 30)
    wait_until(recent(app, "read", 1, 1.5, server="db1"), 20, "reads on db1, now a standby")
    time.sleep(1)
    w, r = load.window("write", sw_at), load.window("read", sw_at)
    report(f"switchover db1 -> db2: writes resumed on db2 {resumed:.2f}s after the stop; {w.line()}")
    report(f"switchover {r.line()}")
    assert app.vip_holders() == ["p1"], "the VIP stays on the master proxy"
    assert app.node_via(RW_PORT) == "db2"
    assert r.failed == 0, f"the read path failed during the switchover: {r.line()}"
    assert w.longest_gap < 5, f"writes paused too long: {w.line()}"
    late = load.window("read", time.monotonic() - 1.0)
    assert "db2" not in late.servers, f"the new primary still serves reads: {late.line()}"


# ---------------------------------------------------------------------------
# unhappy paths
# ---------------------------------------------------------------------------

def test_unhappy_primary_failure_writes_resume_on_promoted_standby(make_app):
    app = make_app()
    load = app.start_load()
    wait_until(recent(app, "write", 5, 1.0, server="db1"), 10, "writes on db1")
    crash = time.monotonic()
    app.pg_stop("db1", "immediate")
    wait_until(lambda: app.stat("p1")[("postgres_primary", "db1")]["status"].startswith("DOWN"), 10,
               "pgfloat to mark db1 down")
    detected = time.monotonic() - crash
    app.promote("db2")
    promoted = time.monotonic() - crash
    app.follow("db3", "db2")
    wait_until(recent(app, "write", 3, 0.6, server="db2"), 20, "writes on db2")
    resumed = time.monotonic() - crash
    time.sleep(1)
    w, r = load.window("write", crash), load.window("read", crash)
    report(f"primary failure: db1 DOWN after {detected:.2f}s, db2 promoted at {promoted:.2f}s, writes resumed "
           f"on db2 at {resumed:.2f}s; write outage (longest gap) {w.longest_gap:.2f}s, {w.failed} failed")
    report(f"primary failure {r.line()}")
    assert app.node_via(RW_PORT) == "db2"
    assert w.longest_gap < 10
    assert r.failed <= 1, r.line()


def test_unhappy_proxy_master_failure_moves_the_vip(make_app):
    app = make_app()
    load = app.start_load()
    wait_until(recent(app, "write", 5, 1.0), 10, "load through p1")
    survivors = ["p2", "p3"]
    seen = len(app.transitions())
    with app.lab.sample_holders(app.vip, hosts=survivors) as holders:
        killed = time.monotonic()
        app.kill_proxy("p1", signal.SIGKILL)
        app.lab.cut("p1")   # a dead host: its kernel no longer answers for the VIP it kept
        wait_until(lambda: app.lab.holders(app.vip, survivors) == ["p2"], 8, "p2 to hold the VIP")
        moved = time.monotonic() - killed
        wait_until(lambda: recent(app, "write", 3)() and recent(app, "read", 3)(), 15, "load through p2")
        time.sleep(1)
    w, r = load.window("write", killed), load.window("read", killed)
    report(f"proxy master failure: VIP on p2 {moved:.2f}s after SIGKILL of p1 (1 s adverts: 3 x 1 s + skew); "
           f"client outage writes {w.longest_gap:.2f}s, reads {r.longest_gap:.2f}s")
    report(f"notify hook: {app.transitions()[seen:]}")
    assert moved < 5 and w.longest_gap < 6 and r.longest_gap < 6
    assert holders.max_holders() == 1, holders.report()
    assert app.vrrp_state("p2") == "MASTER" and app.vrrp_state("p3") == "BACKUP"
    assert any(" p2 VI_PG MASTER" in t for t in app.transitions()[seen:])


def test_unhappy_network_partition_no_split_brain(make_app):
    app = make_app()
    load = app.start_load()
    wait_until(recent(app, "write", 5, 1.0, server="db1"), 10, "writes on db1")
    # db1 isolated from proxies and standbys; it keeps its link (no carrier loss), so it goes on as a primary.
    cut = time.monotonic()
    cut_wall = time.time()
    app.lab.cut("db1", keep_carrier=True)
    wait_until(lambda: app.stat("p1")[("postgres_primary", "db1")]["status"].startswith("DOWN"), 10,
               "pgfloat to mark db1 down")
    detected = time.monotonic() - cut
    app.promote("db2")   # the majority side's failover manager
    promoted_wall = time.time()
    app.follow("db3", "db2")
    wait_until(recent(app, "write", 3, 0.6, server="db2"), 20, "writes on db2")
    resumed = time.monotonic() - cut
    # Heal: db1 is still a primary (no Patroni to fence it), on the old timeline.
    healed = time.monotonic()
    app.lab.heal("db1")
    time.sleep(5)
    fresh = [app.node_via(RW_PORT) for _ in range(10)]
    after = load.window("write", healed)
    late_on_db1 = int(app.sql("db1", f"SELECT count(*) FROM demo_load WHERE sent >= {promoted_wall:.6f}"))
    # Writes the client issued before the partition but that reached db1 only when it healed (still in flight
    # in a TCP send queue when pgfloat closed the session at `server state ... down`).
    stale = app.sql("db1", "SELECT count(*), coalesce(max(extract(epoch FROM at) - sent), 0)::numeric(10,2) "
                           f"FROM demo_load WHERE extract(epoch FROM at) > {cut_wall + 1:.6f}").split("|")
    info = dict(ln.split(":", 1) for ln in app.ctl("p1", "show info").splitlines() if ":" in ln)
    roles = [ln for ln in app.ctl("p1", "show servers roles").splitlines() if ln.startswith("postgres_primary db1")]
    report(f"partition: db1 DOWN after {detected:.2f}s, writes on db2 after {resumed:.2f}s; after healing "
           f"(two primaries, timelines 1 and 2) {after.line()}; fresh connections {set(fresh)}; "
           f"writes issued after the promotion found on db1: {late_on_db1}; p1 sees {roles}, SplitBrainEvents "
           f"{info.get('SplitBrainEvents', '?').strip()}")
    report(f"partition: writes issued before the cut that db1 committed more than 1 s after it (delivered when the "
           f"partition healed): {stale[0]} (max delay {stale[1]} s)")
    assert app.in_recovery("db1") is False, "db1 really is a second primary"
    assert set(fresh) == {"db2"} and set(after.servers) == {"db2"}
    assert late_on_db1 == 0, "a write issued after the promotion reached the isolated old primary"


def test_unhappy_all_backends_down_57P03_then_recovery(make_app):
    app = make_app(timeout_queue="3s")
    load = app.start_load(timeout=5)
    wait_until(recent(app, "write", 5, 1.0), 10, "load running")
    down = time.monotonic()
    for node in ("db1", "db2", "db3"):
        app.pg_stop(node, "immediate")
    for port in (RW_PORT, RO_PORT):
        t0 = time.monotonic()
        with pytest.raises(PgError) as err:
            app.sql_via(port, "SELECT 1", timeout=10)
        waited = time.monotonic() - t0
        report(f"all backends down: :{port} answered {err.value.sqlstate} after {waited:.2f}s "
               f"(timeout_queue 3s): {err.value.message}")
        assert err.value.sqlstate == "57P03" and 2.5 <= waited <= 6
    status, body = app.http_get("p1", "/health")
    assert status == 200, f"/health {status} {body}"
    assert app.proxies["p1"].poll() is None and app.vip_holders() == ["p1"]
    assert app.vrrp_state("p1") == "MASTER"
    restart = time.monotonic()
    for node in ("db1", "db2", "db3"):
        app.pg_start(node)
    wait_until(lambda: recent(app, "write", 3)() and recent(app, "read", 3)(), 30, "load to recover")
    back = time.monotonic() - restart
    w = load.window("write", down)
    report(f"all backends down: daemon healthy (/health 200, still VRRP MASTER); writes and reads back "
           f"{back:.2f}s after the databases restarted; {w.line()}")


def test_unhappy_flapping_backend_rise_fall_slowstart(make_app):
    app = make_app(slowstart="6s")
    load = app.start_load(timeout=3)
    wait_until(recent(app, "read", 5, 1.0), 10, "load running")
    # Let db3's first ramp (if any) finish before flapping it.
    time.sleep(1)
    log_before = len(server_state_lines(app.proxy_log("p1"), "db3"))
    flap_at = time.monotonic()
    cycles = 3
    for _ in range(cycles):
        app.lab.cut("db3", keep_carrier=True)
        time.sleep(2.5)
        app.lab.heal("db3")
        time.sleep(2.5)
    healed = time.monotonic()
    wait_until(recent(app, "read", 1, 1.0, server="db3"), 15, "db3 back")
    time.sleep(8)
    early = load.window("read", healed, healed + 3)
    late = load.window("read", healed + 6, healed + 9)
    flap = load.window("read", flap_at, healed)
    lines = server_state_lines(app.proxy_log("p1"), "db3")[log_before:]
    share = {n: w.servers.get("db3", 0) / max(1, w.ok) for n, w in (("early", early), ("late", late))}
    report(f"flapping db3 ({cycles} x 2.5 s down/up): {len(lines)} `server state` lines on p1; reads during flap "
           f"{flap.line()}")
    report(f"slowstart 6s: db3's share of reads {share['early']:.0%} in the first 3 s after the last heal, "
           f"{share['late']:.0%} 6-9 s after")
    for ln in lines:
        report(f"  {ln[:160]}")
    assert 2 <= len(lines) <= 2 * cycles + 2, "state changes are logged once each, not a flood"
    assert flap.failed <= cycles, f"clients kept off the flapping backend: {flap.line()}"
    assert share["early"] < share["late"], "slowstart ramps the returning server"
