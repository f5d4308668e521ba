"""A busy primary is not a dead one (issue 16, item 7): pgfloat with a `pgsql` check and a small `fall` in front
of a PostgreSQL 15 primary that is at max_connections, or too slow to answer the check in time.

The check's answers 53300 (too many connections, at a new login) and 57014 (its own statement_timeout fired)
are inconclusive: the primary stays up, and a session held through pgfloat survives `shutdown-sessions`. A slow
check is cancelled by the server and keeps its connection, so it does not need a login a full server refuses.

Run as root:  python3 -m pytest -v -s Tests/Integration/test_check_busy.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)
"""

from __future__ import annotations

import json
import re
import socket
import struct
import subprocess
import urllib.request

import pytest

from harness import (HOST, client_env, listener, pgfloat_config, psql, run_psql, server,
                     skip_module_unless_runnable, start_psql, wait_active, wait_until)
from wire import PROTOCOL_3_0, error_fields, read_message

skip_module_unless_runnable()

FALL = 2
CHECK = {"type": "pgsql", "user": "checker", "interval": "1s", "fast_interval": "250ms", "timeout": "1s",
         "rise": 2, "fall": FALL}
# Ten sessions, three of them for superusers: the check (as `checker`), the held client session and five
# fillers take the seven others.
MAX_CONNECTIONS = 10
CHECK_APP = "pgfloat health check"


@pytest.fixture
def busy_cluster(make_cluster):
    """A lone primary with few sessions, a non-superuser check role and a role for the fillers."""
    c = make_cluster(standbys=0, name="pgfloat-busy")
    c._append_conf(c.primary, [f"max_connections = {MAX_CONNECTIONS}"])
    c.stop(c.primary)
    c.start(c.primary)
    psql(c.primary.port, "CREATE ROLE checker LOGIN; CREATE ROLE filler LOGIN")
    return c


def start_pgfloat(c, pgfloat, port) -> tuple[int, int, object]:
    lport, sport = port(), port()
    config = pgfloat_config(
        [server("primary", c.primary.port)],
        [listener("postgres_primary", lport, ["primary"], balance="first", role="primary",
                  on_marked_down="shutdown-sessions")],
        global_={"stats_bind": f"{HOST}:{sport}"}, check=CHECK)
    pf = pgfloat(config, ports=[lport, sport])
    wait_until(lambda: run_psql(lport, "SELECT 1", timeout=10).stdout.strip() == "1", 15,
               "the primary listener to route to the primary")
    return lport, sport, pf


def primary_stats(sport: int) -> dict:
    with urllib.request.urlopen(f"http://{HOST}:{sport}/status.json", timeout=10) as response:
        servers = json.loads(response.read().decode())["servers"]
    return next(s for s in servers if s["name"] == "primary")


def checks_since(sport: int, start: dict) -> int:
    """Checks that did not pass since `start` (a primary_stats reading), inconclusive or failed."""
    now = primary_stats(sport)
    return (now["check_failures"] - start["check_failures"]
            + now.get("check_inconclusive", 0) - start.get("check_inconclusive", 0))


def check_pids(port: int) -> list[str]:
    out = psql(port, f"SELECT pid FROM pg_stat_activity WHERE application_name = '{CHECK_APP}' ORDER BY pid")
    return out.split()


def log_lines(pf, *patterns: str) -> list[str]:
    """Log lines that match every pattern."""
    return [line for line in pf.log_text().splitlines() if all(re.search(p, line) for p in patterns)]


def filler(port: int) -> socket.socket | None:
    """A session as `filler` (no superuser slot) held open, or None when the server refuses it with 53300."""
    params = b"user\0filler\0database\0postgres\0application_name\0filler\0\0"
    sock = socket.create_connection((HOST, port), timeout=10)
    sock.sendall(struct.pack("!II", 8 + len(params), PROTOCOL_3_0) + params)
    while True:
        kind, body = read_message(sock)
        if kind == b"Z":
            return sock
        if kind == b"E":
            sock.close()
            code = error_fields(body).get("C")
            assert code == "53300", f"filler refused with {code}, not for too many connections"
            return None


def fill(port: int, held: list[socket.socket]) -> None:
    """Takes every session slot left for non-superusers (bounded by max_connections)."""
    for _ in range(MAX_CONNECTIONS + 1):
        sock = filler(port)
        if sock is None:
            return
        held.append(sock)
    raise AssertionError("the server never refused a session")


def test_a_primary_at_max_connections_stays_up_and_keeps_its_sessions(busy_cluster, pgfloat, port):
    c = busy_cluster
    lport, sport, pf = start_pgfloat(c, pgfloat, port)
    held = start_psql(lport, "SELECT pg_sleep(120)", appname="pgfloat-held")
    fillers: list[socket.socket] = []
    try:
        wait_active([c.primary.port], "pgfloat-held")
        fill(c.primary.port, fillers)

        def check_locked_out():
            # The check's session ends (as when a check timed out on the client side) and a filler takes its
            # slot before the check logs in again; if the check won, try again.
            psql(c.primary.port, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 f"WHERE application_name = '{CHECK_APP}'")
            fill(c.primary.port, fillers)
            return not check_pids(c.primary.port)
        wait_until(check_locked_out, 20, "the check to be locked out of the full primary", interval=0.5)
        start = primary_stats(sport)

        # Twice `fall` checks that could not log in.
        wait_until(lambda: checks_since(sport, start) >= 2 * FALL, 20, f"{2 * FALL} checks of a full primary")
        stats = primary_stats(sport)
        assert held.poll() is None, f"the session held through pgfloat was closed:\n{pf.log_tail()}"
        assert stats["status"] == "UP", stats
        assert stats["check_inconclusive"] - start["check_inconclusive"] >= 2 * FALL, stats
        assert stats["check_failures"] == start["check_failures"], stats
        assert not log_lines(pf, "server state", r"\bserver=primary\b", r"\bto=down\b")
        busy = log_lines(pf, "check inconclusive", r"\bsqlstate=53300\b")
        assert len(busy) == 1, f"one line for a server that stays busy, not one per check: {busy}"

        for sock in fillers:
            sock.close()
        fillers.clear()
        wait_until(lambda: check_pids(c.primary.port), 15, "the check to log in again")
        assert held.poll() is None, "the held session survived until the server had room again"
        assert psql(lport, "SELECT pg_is_in_recovery()") == "f"
    finally:
        for sock in fillers:
            sock.close()
        if held.poll() is None:
            held.kill()
            held.communicate(timeout=10)


def test_a_slow_check_is_cancelled_by_the_server_and_keeps_its_connection(busy_cluster, pgfloat, port):
    c = busy_cluster
    lport, sport, pf = start_pgfloat(c, pgfloat, port)
    wait_until(lambda: check_pids(c.primary.port), 10, "the check's session")
    pids = check_pids(c.primary.port)
    held = start_psql(lport, "SELECT pg_sleep(120)", appname="pgfloat-held")
    # The check's status query reads pg_stat_wal_receiver: while another session holds it exclusively, the
    # query waits, as on a server too loaded to answer within the check's timeout.
    locker = subprocess.Popen(
        ["psql", "-X", "-q", "-h", HOST, "-p", str(c.primary.port), "-U", "postgres", "-d", "postgres"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=client_env())
    try:
        wait_active([c.primary.port], "pgfloat-held")
        locker.stdin.write("BEGIN;\nLOCK TABLE pg_catalog.pg_stat_wal_receiver IN ACCESS EXCLUSIVE MODE;\n")
        locker.stdin.flush()
        wait_until(lambda: psql(c.primary.port, "SELECT count(*) FROM pg_locks WHERE granted AND mode = "
                                "'AccessExclusiveLock' AND relation = 'pg_stat_wal_receiver'::regclass") == "1",
                   10, "the lock on pg_stat_wal_receiver")
        start = primary_stats(sport)

        wait_until(lambda: checks_since(sport, start) >= 2 * FALL, 20, f"{2 * FALL} slow checks")
        stats = primary_stats(sport)
        assert check_pids(c.primary.port) == pids, "the check logged in again instead of keeping its session"
        assert held.poll() is None, f"the session held through pgfloat was closed:\n{pf.log_tail()}"
        assert stats["status"] == "UP", stats
        assert stats["check_failures"] == start["check_failures"], stats
        assert log_lines(pf, "check inconclusive", r"\bsqlstate=57014\b")
        assert not log_lines(pf, "server state", r"\bserver=primary\b", r"\bto=down\b")
    finally:
        if locker.poll() is None:
            locker.stdin.write("COMMIT;\n\\q\n")
            locker.stdin.close()
            locker.wait(timeout=10)
        if held.poll() is None:
            held.kill()
            held.communicate(timeout=10)
    wait_until(lambda: primary_stats(sport)["check_status"] == "L7OK", 10, "the check to pass again")
    assert check_pids(c.primary.port) == pids
