"""pgfloat with `patroni` checks in front of a real Patroni cluster (RFC-007's main setup):
one etcd, three Patroni nodes running PostgreSQL 15 as OS user postgres, all on loopback.

Run as root:  python3 -m pytest -v -s Tests/Integration/test_patroni.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

Patroni and etcd are installed when missing (patroni_harness.ensure_*); without network
to PyPI or Debian the module is skipped, never failed. The tests share one cluster and
each starts from whatever node leads now. `-s` shows the measured delays from Patroni's
new leader (the DCS leader key naming it) to the first write through pgfloat.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from harness import (PGFloat, free_port, listener, pgfloat_config, run_psql, server,
                     skip_module_unless_runnable, wait_until)
from patroni_harness import TTL, LeaderWatch, cluster_with_table, missing

skip_module_unless_runnable()

CHECK = {"type": "patroni", "interval": "1s", "fast_interval": "250ms", "timeout": "1s",
         "rise": 2, "fall": 2}
WRITE = "INSERT INTO pgfloat_writes DEFAULT VALUES RETURNING inet_server_port()"


@pytest.fixture(scope="module")
def patroni():
    reason = missing()
    if reason:
        pytest.skip(reason)
    with cluster_with_table("pgfloat_writes") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def proxy(patroni):
    """One pgfloat for the module: primary and replica listeners over the three nodes,
    each server checked on its Patroni REST port."""
    pport, rport = free_port(), free_port()
    names = list(patroni.nodes)
    servers = [server(n, node.pg_port, check_port=node.rest_port) for n, node in patroni.nodes.items()]
    listeners = [
        listener("postgres_primary", pport, names, balance="first", role="primary",
                 on_marked_down="shutdown-sessions"),
        listener("postgres_replicas", rport, names, balance="roundrobin", role="replica",
                 max_lag=1048576),
    ]
    pf = PGFloat(pgfloat_config(servers, listeners, defaults={"timeout_queue": "30s"}, check=CHECK))
    try:
        pf.start(ports=[pport, rport])
        pf.primary_port, pf.replica_port = pport, rport
        yield pf
    finally:
        code = pf.stop()
        print(f"--- pgfloat exit={code} log (tail) ---\n{pf.log_tail()}")
        pf.cleanup()


def write_through(pf, timeout: float = 35) -> str | None:
    """One INSERT over a fresh connection through the primary listener: the port it
    landed on, or None when it failed (no primary yet, read-only, queue timeout)."""
    try:
        r = run_psql(pf.primary_port, WRITE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None


def first_write_on(pf, port: int, deadline_s: float) -> tuple[float, list[str]]:
    """Write in a loop (fresh connection each) until one lands on `port`. Returns the
    instant it did and the ports of successful writes that landed elsewhere first."""
    elsewhere: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        got = write_through(pf, timeout=max(1.0, deadline - time.monotonic()))
        if got == str(port):
            return time.monotonic(), elsewhere
        if got is not None:
            elsewhere.append(got)
        time.sleep(0.05)
    pytest.fail(f"no write reached port {port} within {deadline_s}s; elsewhere={elsewhere}\n"
                f"{proxy_tail(pf)}")


def proxy_tail(pf) -> str:
    return f"--- pgfloat log ---\n{pf.log_tail()}"


def test_writes_go_to_the_leader(patroni, proxy):
    leader = patroni.wait_healthy()
    port = patroni.nodes[leader].pg_port
    wait_until(lambda: write_through(proxy, timeout=10) == str(port), 20,
               f"writes through pgfloat to land on the leader {leader}")
    assert [write_through(proxy) for _ in range(5)] == [str(port)] * 5

    replicas = {str(n.pg_port) for name, n in patroni.nodes.items() if name != leader}

    def replica_pool():
        hits = set()
        for _ in range(6):
            r = run_psql(proxy.replica_port, "SELECT inet_server_port()", timeout=10)
            hits.add(r.stdout.strip() if r.returncode == 0 else None)
        return hits == replicas
    wait_until(replica_pool, 20, "the replica listener to use both replicas and nothing else")


def test_switchover_moves_writes(patroni, proxy):
    leader = patroni.wait_healthy()
    candidate = next(name for name in patroni.nodes if name != leader)
    new_port = patroni.nodes[candidate].pg_port
    wait_until(lambda: write_through(proxy, timeout=10) == str(patroni.nodes[leader].pg_port), 20,
               "writes to reach the current leader first")

    with LeaderWatch(patroni) as watch:
        started = time.monotonic()
        # In the background, so the write loop runs while Patroni switches over.
        ctl = subprocess.Popen(patroni.patronictl_cmd("switchover", "--leader", leader,
                                                      "--candidate", candidate, "--force"),
                               cwd=patroni.base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
        try:
            landed_at, elsewhere = first_write_on(proxy, new_port, 60)
            became = wait_until(lambda: watch.became_leader(candidate), 10,
                                f"{candidate} to hold the leader key")
            out, _ = ctl.communicate(timeout=60)
        finally:
            if ctl.poll() is None:
                ctl.kill()
                ctl.communicate(timeout=10)
    assert ctl.returncode == 0, out
    assert set(elsewhere) <= {str(patroni.nodes[leader].pg_port)}, elsewhere
    delay = landed_at - became
    print(f"\npatroni switchover {leader} -> {candidate}: leader key changed "
          f"{became - started:.2f}s after patronictl started; first write through pgfloat "
          f"{delay:.3f}s after the key change", flush=True)
    assert delay < 10, f"first write on the new leader {delay:.1f}s after Patroni chose it"
    patroni.wait_healthy()


def test_leader_crash_moves_writes(patroni, proxy):
    leader = patroni.wait_healthy()
    old_port = patroni.nodes[leader].pg_port
    wait_until(lambda: write_through(proxy, timeout=10) == str(old_port), 20,
               "writes to reach the current leader first")

    with LeaderWatch(patroni) as watch:
        crashed_at = time.monotonic()
        patroni.crash(leader)
        # TTL expiry (<= ttl) plus one Patroni loop: well under a minute.
        new_leader, became = wait_until(lambda: watch.new_leader(leader), TTL + 30,
                                        "Patroni to elect a new leader")
        landed_at, elsewhere = first_write_on(proxy, patroni.nodes[new_leader].pg_port, 60)
    assert not elsewhere, f"writes landed on {elsewhere} during the failover"
    delay = landed_at - became
    print(f"\npatroni crash of {leader}: {new_leader} took the leader key {became - crashed_at:.2f}s "
          f"after the crash; first write through pgfloat {delay:.3f}s after the key change "
          f"({landed_at - crashed_at:.2f}s after the crash)", flush=True)
    assert delay < 10, f"first write on the new leader {delay:.1f}s after Patroni chose it"
