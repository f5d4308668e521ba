"""Role-aware routing through a promotion: pgfloat with `pgsql` checks in front of a
PostgreSQL 15 primary and two streaming standbys (RFC-007, unhappy path scenario 1,
with the promotion done by hand as repmgr or pg_auto_failover would).

Run as root:  python3 -m pytest -v -s Tests/Integration/test_failover.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

`-s` shows the measured promotion-to-routing delays.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from harness import (HOST, client_env, finish, listener, pgfloat_config, psql, psql_cmd, run_psql, server,
                     skip_module_unless_runnable, start_psql, wait_active, wait_until)
from wire import error_fields, read_message, startup_packet
from write_safety import EtcdRelays, wait_promoted

skip_module_unless_runnable()

# The check settings the failover bound is derived from.
RISE = 2
FAST_INTERVAL = 0.25
CHECK = {"type": "pgsql", "interval": "1s", "fast_interval": "250ms", "timeout": "1s",
         "rise": RISE, "fall": 2}
# rise x fast_interval (README: "a promotion is picked up within rise x fast_interval of
# the first check that sees it"), plus 1 s for that first check, the psql round trip and
# a loaded 2-core machine.
PROMOTION_BOUND = RISE * FAST_INTERVAL + 1.0
MAX_LAG = 1048576
NODES = ("primary", "standby1", "standby2")


# ---------------------------------------------------------------------------
# helpers local to these tests
# ---------------------------------------------------------------------------

def two_listeners(cluster, primary_lport: int, replica_lport: int, names=NODES, *,
                  check: dict | None = None, timeout_queue: str = "30s") -> str:
    """The RFC's primary and replica listeners over the given nodes (server = node name)."""
    servers = [server(n, cluster.nodes[n].port) for n in names]
    listeners = [
        listener("postgres_primary", primary_lport, list(names), balance="first", role="primary",
                 on_marked_down="shutdown-sessions"),
        listener("postgres_replicas", replica_lport, list(names), balance="roundrobin",
                 role="replica", max_lag=MAX_LAG),
    ]
    return pgfloat_config(servers, listeners, defaults={"timeout_queue": timeout_queue},
                          check={**CHECK, **(check or {})})


def port_via(lport: int, timeout: float = 15) -> str | None:
    """The port of the server a fresh connection through lport lands on; None on failure."""
    try:
        r = run_psql(lport, "SELECT inet_server_port()", timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def wait_routed(lport: int, port: int, timeout: float, what: str) -> None:
    wait_until(lambda: port_via(lport, timeout=timeout) == str(port), timeout, what)


def wait_pool(lport: int, ports: set[int], timeout: float, tries: int = 6) -> list[str]:
    """Wait until `tries` fresh connections in a row land only on, and on every one of, ports."""
    want = {str(p) for p in ports}

    def pool_is():
        hits = [port_via(lport, timeout=5) for _ in range(tries)]
        return hits if set(hits) == want else None
    return wait_until(pool_is, timeout, f"listener {lport} to use exactly ports {sorted(want)}")


def log_has(pf, server_name: str, to: str) -> bool:
    """A state/role line for this server with this target (`server=X ... to=Y`)."""
    s, t = re.compile(rf"\bserver={re.escape(server_name)}(\s|$)"), re.compile(rf"\bto={re.escape(to)}\b")
    return any(s.search(line) and t.search(line) for line in pf.log_text().splitlines())


class RecoveryWatch:
    """Polls `SELECT pg_is_in_recovery()` on one server (directly, not through pgfloat)
    and records the first instant it answers `f`: the promotion instant."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.promoted_at: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "RecoveryWatch":
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            r = run_psql(self.port, "SELECT pg_is_in_recovery()", timeout=5)
            if r.returncode == 0 and r.stdout.strip() == "f":
                self.promoted_at = time.monotonic()
                return
            time.sleep(0.01)

    def wait(self) -> float:
        self._thread.join(self.timeout + 10)
        assert self.promoted_at is not None, f"server on {self.port} never left recovery"
        return self.promoted_at


class CommitLoop:
    """One session held open through a listener, as a pooled client's: it commits an INSERT every 20 ms (simple
    query protocol, autocommit) until the connection ends. Records, per acknowledged commit, the instant its query
    was sent and the server that acknowledged it (inet_server_port())."""

    def __init__(self, port: int, table: str, appname: str):
        self.acks: list[tuple[float, int]] = []
        self.ended: float | None = None
        self.why = ""
        self._table = table
        self._sock = socket.create_connection((HOST, port), timeout=10)
        self._sock.sendall(startup_packet(appname))
        self._until_ready()
        self._sock.settimeout(30)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _until_ready(self) -> list[tuple[bytes, bytes]]:
        messages = []
        while True:
            kind, body = read_message(self._sock)
            messages.append((kind, body))
            if kind == b"Z":
                return messages

    def _run(self) -> None:
        n = 0
        try:
            while not self._stop.is_set():
                n += 1
                query = f"INSERT INTO {self._table} VALUES ({n}) RETURNING inet_server_port()".encode() + b"\0"
                sent = time.monotonic()
                self._sock.sendall(b"Q" + struct.pack("!I", 4 + len(query)) + query)
                messages = self._until_ready()
                errors = [error_fields(body) for kind, body in messages if kind == b"E"]
                if errors:
                    self.why = f"{errors[0].get('C')}: {errors[0].get('M')}"
                    break
                row = next(body for kind, body in messages if kind == b"D")
                (length,) = struct.unpack("!i", row[2:6])
                self.acks.append((sent, int(row[6:6 + length])))
                self._stop.wait(0.02)
        except (OSError, ConnectionError) as e:
            self.why = f"connection ended: {e}"
        finally:
            self.ended = time.monotonic()
            self._sock.close()

    def acked_after(self, instant: float) -> list[tuple[float, int]]:
        return [ack for ack in self.acks if ack[0] > instant]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(35)


def newest_timeline(stats_port: int) -> int | None:
    with urllib.request.urlopen(f"http://{HOST}:{stats_port}/status.json", timeout=5) as response:
        return json.loads(response.read())["process"].get("newest_timeline")


def seen_timeline(stats_port: int, timeline: int, timeout: float) -> float:
    """Polls status.json until pgfloat shows `timeline` as the newest; returns when that poll ended, an instant by
    which pgfloat had seen it (and so had told the data plane which sessions to close)."""
    def seen():
        shown = newest_timeline(stats_port)
        return time.monotonic() if shown == timeline else None
    return wait_until(seen, timeout, f"pgfloat to show newest_timeline {timeline}", interval=0.01)


@pytest.fixture
def secrets_dir():
    """A root-only dir for password files, removed after the test."""
    path = Path(tempfile.mkdtemp(prefix="pgfloat-secrets-"))
    path.chmod(0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def password_file(directory: Path, name: str, password: str) -> Path:
    path = directory / name
    path.write_text(password + "\n")  # as `echo PASSWORD > file` writes it
    path.chmod(0o600)
    return path


# ---------------------------------------------------------------------------
# steady state
# ---------------------------------------------------------------------------

def test_writes_to_primary_reads_to_standbys(make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-fo")
    pport, rport = port(), port()
    pgfloat(two_listeners(c, pport, rport), ports=[pport, rport])
    s1, s2 = c.nodes["standby1"].port, c.nodes["standby2"].port

    wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")
    assert psql(pport, "SELECT pg_is_in_recovery(), inet_server_port()") == f"f|{c.primary.port}"
    psql(pport, "CREATE TABLE writes (i int); INSERT INTO writes VALUES (1)")
    assert psql(c.primary.port, "SELECT count(*) FROM writes") == "1"

    wait_pool(rport, {s1, s2}, 15)
    hits = [port_via(rport) for _ in range(20)]
    assert set(hits) == {str(s1), str(s2)}, hits
    assert str(c.primary.port) not in hits


# ---------------------------------------------------------------------------
# promotion
# ---------------------------------------------------------------------------

def test_failover_routes_to_promoted_standby(make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-fo")
    pport, rport = port(), port()
    pf = pgfloat(two_listeners(c, pport, rport), ports=[pport, rport])
    s1, s2 = c.nodes["standby1"].port, c.nodes["standby2"].port
    wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")
    wait_pool(rport, {s1, s2}, 15)

    held = start_psql(pport, "SELECT pg_sleep(60)", appname="pgfloat-held")
    queued = None
    try:
        wait_active([c.primary.port], "pgfloat-held")

        stopped_at = time.monotonic()
        c.stop("primary", mode="immediate")
        # Started during the outage, before the promotion: it must wait in the queue.
        queued = subprocess.Popen(psql_cmd(pport, "SELECT inet_server_port()"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=client_env(PGAPPNAME="pgfloat-queued", PGCONNECT_TIMEOUT="60"))
        watch = RecoveryWatch(s1).start()
        c.promote_nowait("standby1")

        # Fresh connections through the primary listener until one reaches standby1.
        first_ok, held_closed, other = None, None, []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = port_via(pport, timeout=20)
            if got == str(s1):
                first_ok = time.monotonic()
                held_closed = held.poll() is not None
                break
            if got is not None:
                other.append(got)
            time.sleep(0.02)
        promoted_at = watch.wait()
        assert first_ok is not None, f"no connection reached standby1 within 20 s:\n{pf.log_tail()}"
        assert not other, f"primary listener routed to {other} during the failover"

        delay = first_ok - promoted_at
        print(f"\nfailover: primary stop -> standby1 promoted {promoted_at - stopped_at:.3f}s, "
              f"promoted -> first connection routed to standby1 {delay:.3f}s "
              f"(bound {PROMOTION_BOUND:.2f}s)", flush=True)
        assert delay <= PROMOTION_BOUND, f"routed {delay:.3f}s after the promotion"

        assert held_closed, "the session held on the old primary was still open"
        code, _, err = finish(held, timeout=5)
        assert code != 0, "the held psql session exited 0"

        code, out, err = finish(queued, timeout=30)
        assert code == 0, f"the client queued during the outage failed: {err}"
        assert out.strip() == str(s1), out

        # The log is written by its own thread, a little after the event: wait for the line.
        wait_until(lambda: log_has(pf, "standby1", "primary"), 5, "a `server=standby1 ... to=primary` line")
        wait_until(lambda: log_has(pf, "primary", "down"), 5, "a `server=primary ... to=down` line")

        # Optional part of the runbook: standby2 follows the new primary. standby1 has
        # left the replica pool for good, standby2 serves the replica listener alone.
        c.follow("standby2", "standby1")
        wait_pool(rport, {s2}, 15)
        assert psql(pport, "SELECT pg_is_in_recovery()") == "f"
    finally:
        for proc in (held, queued):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)


def test_split_brain_goes_to_newest_timeline_and_closes_old_sessions(make_cluster, pgfloat, port):
    # standby1 is promoted while the old primary keeps running: two servers claim
    # primary. Writes must go to standby1 (timeline 2) only, and the session held on
    # the old primary must be closed by pgfloat (on_marked_down = shutdown-sessions),
    # since PostgreSQL itself keeps it open.
    c = make_cluster(standbys=2, name="pgfloat-fo")
    pport, rport = port(), port()
    pf = pgfloat(two_listeners(c, pport, rport), ports=[pport, rport])
    s1 = c.nodes["standby1"].port
    wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")

    held = start_psql(pport, "SELECT pg_sleep(60)", appname="pgfloat-held")
    try:
        wait_active([c.primary.port], "pgfloat-held")
        c.promote("standby1")  # waits until standby1 answers pg_is_in_recovery() = f
        promoted_at = time.monotonic()
        timeline = "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"
        assert (c.psql("primary", timeline), c.psql("standby1", timeline)) == ("00000001", "00000002")

        wait_until(lambda: held.poll() is not None, PROMOTION_BOUND + 2,
                   "pgfloat to close the session held on the demoted old primary")
        closed_after = time.monotonic() - promoted_at
        code, _, _ = finish(held, timeout=5)
        assert code != 0
        # PostgreSQL did not end it: the old primary is still up and accepting.
        assert psql(c.primary.port, "SELECT 1") == "1"
        print(f"\nsplit brain: held session on the old primary closed {closed_after:.3f}s after "
              "the promotion", flush=True)

        hits = [port_via(pport, timeout=10) for _ in range(10)]
        assert hits == [str(s1)] * 10, hits
    finally:
        if held.poll() is None:
            held.kill()
            held.communicate(timeout=10)
    wait_until(lambda: log_has(pf, "standby1", "primary"), 5, "a `server=standby1 ... to=primary` line")


def test_two_primaries_on_one_timeline_get_no_writes(make_cluster, pgfloat, port):
    # Two unrelated clusters, both primary on timeline 1: pgfloat cannot tell which is
    # right, so the primary listener routes to neither and clients get 57P03.
    a, b = make_cluster(standbys=0, name="pgfloat-sb-a"), make_cluster(standbys=0, name="pgfloat-sb-b")
    pport = port()
    servers = [server("a", a.primary.port), server("b", b.primary.port)]
    config = pgfloat_config(servers, [listener("postgres_primary", pport, ["a", "b"], balance="first",
                                               role="primary")],
                            defaults={"timeout_queue": "3s"}, check=CHECK)
    pf = pgfloat(config, ports=[pport])
    # Both answers must be in before a client comes, else the first could be routed.
    wait_until(lambda: log_has(pf, "a", "primary") and log_has(pf, "b", "primary"), 15,
               "pgfloat to see both servers as primary")

    r = run_psql(pport, "SELECT inet_server_port()", timeout=30)
    assert r.returncode != 0, f"a write went to {r.stdout.strip()} with two primaries on one timeline"
    assert "no server available" in r.stderr, r.stderr

    b.stop(b.primary, mode="immediate")
    wait_routed(pport, a.primary.port, 15, "the sole remaining primary to get the writes")


# ---------------------------------------------------------------------------
# replica lag
# ---------------------------------------------------------------------------

def test_lagging_replica_leaves_and_rejoins_the_pool(make_cluster, pgfloat, port):
    c = make_cluster(standbys=2, name="pgfloat-fo")
    pport, rport = port(), port()
    pgfloat(two_listeners(c, pport, rport), ports=[pport, rport])
    s1, s2 = c.nodes["standby1"].port, c.nodes["standby2"].port
    wait_pool(rport, {s1, s2}, 15)

    c.pause_replay("standby2")
    try:
        start = c.wal_position("primary")
        for i in range(10):  # bounded; one round writes about 3 MB
            c.psql("primary", f"CREATE TABLE lag_{i} AS "
                              "SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 3000) g")
            if c.wal_position("primary") - start > 2 * MAX_LAG:
                break
        lag = c.wal_position("primary") - c.wal_position("standby2")
        assert lag > MAX_LAG, f"only {lag} bytes of lag"

        left = time.monotonic()
        hits = wait_pool(rport, {s1}, 15)
        print(f"\nlag: standby2 {lag} bytes behind left the replica pool "
              f"{time.monotonic() - left:.2f}s after the write", flush=True)
        assert str(c.primary.port) not in hits
    finally:
        c.resume_replay("standby2")
    wait_pool(rport, {s1, s2}, 15)


# ---------------------------------------------------------------------------
# the pgsql check logging in with a password
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["scram-sha-256", "md5"])
def test_pgsql_check_with_password(method, make_cluster, pgfloat, port, secrets_dir):
    c = make_cluster(standbys=1, name="pgfloat-pw")
    role, password = f"pgfloat_check_{method[:3]}", f"check-{method}-secret"
    c.add_login_role(role, password, method=method)
    pwfile = password_file(secrets_dir, "check.pw", password)
    check = {"user": role, "database": "postgres", "password_file": str(pwfile)}
    pport, rport = port(), port()
    pgfloat(two_listeners(c, pport, rport, names=("primary", "standby1"), check=check),
            ports=[pport, rport])

    wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")
    wait_pool(rport, {c.nodes["standby1"].port}, 15)
    # The checks really log in as the role (hba demands its password for it).
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'"
    wait_until(lambda: psql(c.primary.port, sql) != "0", 10, f"a check connection as {role}")


def test_pgsql_check_with_a_wrong_password_routes_nothing(make_cluster, pgfloat, port, secrets_dir):
    c = make_cluster(standbys=0, name="pgfloat-pw")
    c.add_login_role("pgfloat_check", "right-secret")
    pwfile = password_file(secrets_dir, "check.pw", "wrong-secret")
    pport = port()
    config = pgfloat_config([server("primary", c.primary.port)],
                            [listener("postgres_primary", pport, ["primary"], balance="first",
                                      role="primary")],
                            defaults={"timeout_queue": "3s"},
                            check={**CHECK, "user": "pgfloat_check", "password_file": str(pwfile)})
    pgfloat(config, ports=[pport])
    r = run_psql(pport, "SELECT inet_server_port()", timeout=30)
    assert r.returncode != 0, f"routed to {r.stdout.strip()} though the check cannot log in"
    assert "no server available" in r.stderr, r.stderr


# ---------------------------------------------------------------------------
# a session that keeps committing on the old primary (issue 16, on_primary_lost)
# ---------------------------------------------------------------------------

def committing_setup(c, pport: int, sport: int, *, primary_check_port: int | None = None) -> str:
    """The primary listener with pgfloat's defaults for the session actions (on_marked_down none, on_primary_lost
    shutdown-sessions), status.json on sport; the primary's check on primary_check_port when given."""
    extra = {} if primary_check_port is None else {"check_port": primary_check_port}
    servers = [server("primary", c.primary.port, **extra), server("standby1", c.nodes["standby1"].port)]
    return pgfloat_config(servers, [listener("postgres_primary", pport, ["primary", "standby1"], balance="first",
                                             role="primary")],
                          global_={"stats_bind": f"{HOST}:{sport}"}, defaults={"timeout_queue": "5s"}, check=CHECK)


def held_commits_table(c) -> None:
    c.psql("primary", "CREATE TABLE held_commits (n int)")
    wait_until(lambda: c.psql("standby1", "SELECT to_regclass('held_commits') IS NOT NULL") == "t", 15,
               "the table to reach standby1")


def assert_closed_after_seen(c, loop: CommitLoop, seen: float, promoted: float, what: str) -> None:
    """pgfloat closed the committing session: no commit sent after pgfloat saw the promotion was acknowledged,
    and PostgreSQL itself (still up, still primary) did not end it."""
    wait_until(lambda: loop.ended is not None, PROMOTION_BOUND + 2,
               f"pgfloat to close the session committing on the old primary ({what})")
    late = loop.acked_after(seen)
    in_window = [ack for ack in loop.acked_after(promoted) if ack[0] <= seen]
    print(f"\n{what}: {len(loop.acks)} commits acknowledged, {len(in_window)} sent between the promotion and "
          f"pgfloat seeing it, {len(late)} after; session closed {loop.ended - seen:+.3f}s after ({loop.why})",
          flush=True)
    assert late == [], f"commits sent after pgfloat saw the promotion were acknowledged: {late[:5]}"
    assert {server_port for _, server_port in loop.acks} == {c.primary.port}, loop.acks[-5:]
    assert c.psql("primary", "SELECT pg_is_in_recovery()") == "f", "the old primary is no longer writable"


def test_a_session_committing_on_the_old_primary_is_closed_at_the_promotion(make_cluster, pgfloat, port):
    # Scenario (a) of issue 16 with a pooled client: the old primary stays up and writable, and a session opened
    # on it before the promotion keeps committing. pgfloat must close it once it has seen the newer timeline.
    c = make_cluster(standbys=1, name="pgfloat-fo")
    held_commits_table(c)
    pport, sport = port(), port()
    pgfloat(committing_setup(c, pport, sport), ports=[pport])
    wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")
    loop = CommitLoop(pport, "held_commits", "pgfloat-committing")
    try:
        wait_until(lambda: len(loop.acks) >= 5, 10, "the held session to commit on the old primary")
        c.promote_nowait("standby1")
        promoted = wait_promoted(c.nodes["standby1"].port, 30, "standby1")
        seen = seen_timeline(sport, 2, PROMOTION_BOUND + 2)
        assert_closed_after_seen(c, loop, seen, promoted, "old primary up")
    finally:
        loop.stop()


def test_a_session_committing_on_an_old_primary_whose_check_fails_is_closed_at_the_promotion(
        make_cluster, pgfloat, port):
    # Review finding 1: the check goes its own way (as Patroni's API on 8008), the sessions to PostgreSQL. The old
    # primary's check fails while its PostgreSQL stays a writable primary: it is marked down, but nobody else is
    # primary, so its sessions stay (a check hiccup must not cut them). Then the standby is promoted: the down old
    # primary's sessions must be closed, or they keep committing writes its pg_rewind throws away.
    c = make_cluster(standbys=1, name="pgfloat-fo")
    held_commits_table(c)
    relays = EtcdRelays()  # a TCP relay per name; here in front of the old primary's port, for its check only
    try:
        check_port = int(relays.via("primary", c.primary.port).rsplit(":", 1)[1])
        pport, sport = port(), port()
        pf = pgfloat(committing_setup(c, pport, sport, primary_check_port=check_port), ports=[pport])
        wait_routed(pport, c.primary.port, 15, "the primary listener to reach the primary")
        loop = CommitLoop(pport, "held_commits", "pgfloat-committing")
        try:
            wait_until(lambda: len(loop.acks) >= 5, 10, "the held session to commit on the old primary")
            relays.cut("primary")
            wait_until(lambda: log_has(pf, "primary", "down"), 15, "the old primary's check to mark it down")
            down = time.monotonic()
            wait_until(lambda: loop.acked_after(down + 0.5), 5,
                       "the session to go on committing while nobody else is primary")
            c.promote_nowait("standby1")
            promoted = wait_promoted(c.nodes["standby1"].port, 30, "standby1")
            seen = seen_timeline(sport, 2, PROMOTION_BOUND + 2)
            assert_closed_after_seen(c, loop, seen, promoted, "old primary's check failing")
        finally:
            loop.stop()
    finally:
        relays.close()
