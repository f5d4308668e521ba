"""Replica freshness with real PostgreSQL 15: `max_lag` as a replay delay, counted with rise/fall,
and `require_streaming` (issue 16, items 5 and 6).

Run as root:  python3 -m pytest -v -s Tests/Integration/test_replica_lag.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)
"""

from __future__ import annotations

import re
import subprocess
import time

from harness import (HOST, listener, pgfloat_config, psql, run_psql, server, skip_module_unless_runnable,
                     start_psql, wait_until)

skip_module_unless_runnable()

INTERVAL = 1.0
RISE, FALL = 2, 2
CHECK = {"type": "pgsql", "interval": "1s", "fast_interval": "250ms", "timeout": "1s", "rise": RISE, "fall": FALL}
MAX_DELAY = 2.0
STANDBYS = ("standby1", "standby2")


def port_via(lport: int) -> str | None:
    """The port of the server a fresh connection through lport lands on; None on failure."""
    try:
        r = run_psql(lport, "SELECT inet_server_port()", timeout=5)
    except subprocess.TimeoutExpired:
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def pool_is(lport: int, ports: set[int], tries: int = 6) -> bool:
    """`tries` fresh connections in a row land only on, and on every one of, ports."""
    return {port_via(lport) for _ in range(tries)} == {str(p) for p in ports}


def replica_config(cluster, listeners: list[dict]) -> str:
    servers = [server(n, cluster.nodes[n].port) for n in ("primary", *STANDBYS)]
    return pgfloat_config(servers, listeners, defaults={"timeout_queue": "5s"}, check=CHECK)


def freshness_logged(pf, server_name: str, to: str, listener_name: str) -> str | None:
    """The `replica freshness` line moving server_name to `to` in listener_name, if logged."""
    fields = (rf"\bserver={server_name}\b", rf"\bto={to}\b", rf"\blistener={re.escape(listener_name)}\b")
    return next((line for line in pf.log_text().splitlines()
                 if "replica freshness" in line and all(re.search(f, line) for f in fields)), None)


def start_writer(port: int) -> subprocess.Popen:
    """A commit every 50 ms on the primary for up to a minute, so replay delay means something."""
    psql(port, "CREATE TABLE IF NOT EXISTS ticks (at timestamptz)")
    sql = ("DO $$ BEGIN FOR i IN 1..1200 LOOP INSERT INTO ticks VALUES (now()); COMMIT; "
           "PERFORM pg_sleep(0.05); END LOOP; END $$")
    return start_psql(port, sql, "lag-writer")


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=10)


def test_a_replica_whose_replay_is_paused_leaves_after_fall_readings_and_returns_after_rise(
        make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-lag")
    rport = port()
    reads = listener("reads", rport, list(STANDBYS), role="replica", max_lag=f"{int(MAX_DELAY)}s")
    pf = pgfloat(replica_config(c, [reads]), ports=[rport])
    s1, s2 = c.nodes["standby1"].port, c.nodes["standby2"].port
    writer = start_writer(c.primary.port)
    try:
        wait_until(lambda: pool_is(rport, {s1, s2}), 15, "both standbys in the pool while they replay")

        c.pause_replay("standby1")
        paused = time.monotonic()
        wait_until(lambda: pool_is(rport, {s2}), 15, "standby1 to leave the pool")
        left = time.monotonic() - paused
        # Over the limit only once its last replayed commit is MAX_DELAY old, then FALL readings an interval
        # apart: never before MAX_DELAY + (FALL - 1) intervals, and well within one more interval of slack.
        print(f"\nstandby1 left {left:.2f}s after replay paused (max_lag {MAX_DELAY}s, fall {FALL})")
        assert left >= MAX_DELAY + (FALL - 1) * INTERVAL - 0.5, left
        assert left < MAX_DELAY + (FALL + 2) * INTERVAL + 2, left
        line = wait_until(lambda: freshness_logged(pf, "standby1", "down", "reads"), 5, "the log line")
        assert f"{FALL} readings over the limit" in line and "replay delay" in line, line

        c.resume_replay("standby1")
        resumed = time.monotonic()
        wait_until(lambda: pool_is(rport, {s1, s2}), 15, "standby1 to come back once replay caught up")
        back = time.monotonic() - resumed
        print(f"standby1 came back {back:.2f}s after replay resumed (rise {RISE})")
        assert back >= (RISE - 1) * INTERVAL - 0.5, back
        line = wait_until(lambda: freshness_logged(pf, "standby1", "up", "reads"), 5, "the log line")
        assert f"{RISE} readings within the limit" in line, line
    finally:
        stop(writer)


def test_an_old_primary_restarted_as_a_standby_without_pg_rewind_takes_no_reads(make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-lag")
    rport = port()
    # No max_lag and no require_streaming: divergence alone must keep it out.
    reads = listener("reads", rport, ["primary", "standby2"], role="replica")
    pf = pgfloat(replica_config(c, [reads]), ports=[rport])
    s2 = c.nodes["standby2"].port
    wait_until(lambda: pool_is(rport, {s2}), 15, "standby2 alone in the pool while primary leads")

    c.promote("standby1")
    c.follow("standby2", "standby1")
    # The deposed primary takes a write the new timeline never sees, then comes back as a standby.
    psql(c.primary.port, "CREATE TABLE lost_in_failover AS SELECT 1 AS x")
    c.restart_as_standby("primary", "standby1")
    wait_until(lambda: c.psql("primary", "SELECT pg_is_in_recovery()") == "t", 15, "the old primary in recovery")
    wait_until(lambda: c.psql("standby2", "SELECT received_tli FROM pg_stat_wal_receiver") == "2", 15,
               "standby2 to stream the new timeline")

    line = wait_until(
        lambda: next((ln for ln in pf.log_text().splitlines()
                      if "replica diverged" in ln and re.search(r"\bserver=primary\b", ln)), None),
        15, "the old primary to be reported diverged")
    assert "diverged=true" in line, line
    for _ in range(3):
        assert pool_is(rport, {s2}), "the old primary, holding a row lost in the failover, took reads"
        time.sleep(INTERVAL)  # across several checks of both servers, not waiting on a condition
    assert c.psql("primary", "SELECT count(*) FROM pg_class WHERE relname = 'lost_in_failover'") == "1"


def test_a_standby_that_does_not_stream_is_left_out_with_require_streaming(make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-lag")
    strict_port, loose_port = port(), port()
    strict = listener("streaming", strict_port, list(STANDBYS), role="replica", require_streaming=True)
    loose = listener("any-replica", loose_port, list(STANDBYS), role="replica", max_lag="16MB")
    pf = pgfloat(replica_config(c, [strict, loose]), ports=[strict_port, loose_port])
    s1, s2 = c.nodes["standby1"].port, c.nodes["standby2"].port
    wait_until(lambda: pool_is(strict_port, {s1, s2}), 15, "both streaming standbys in the strict pool")

    # Cut standby2 off its upstream: its WAL receiver exits and keeps failing to connect.
    c.psql("standby2", f"ALTER SYSTEM SET primary_conninfo = 'host={HOST} port=1 user=postgres'")
    c.reload("standby2")
    wait_until(lambda: c.psql("standby2", "SELECT count(*) FROM pg_stat_wal_receiver") == "0", 15,
               "standby2's WAL receiver to stop")
    wait_until(lambda: pool_is(strict_port, {s1}), 15, "standby2 to leave the require_streaming pool")
    assert pool_is(loose_port, {s1, s2}), "nothing written: standby2 is not behind, only not streaming"
    line = freshness_logged(pf, "standby2", "down", "streaming")
    assert line is not None and "not streaming" in line, pf.log_tail()

    c.follow("standby2", "primary")
    wait_until(lambda: pool_is(strict_port, {s1, s2}), 15, "standby2 back once it streams again")
