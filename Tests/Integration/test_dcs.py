"""pgfloat following Patroni's leader key in etcd (`[dcs]`), all on loopback.

Two setups:
  * a real Patroni cluster (3 nodes, PostgreSQL 15, one etcd) with `pgsql` checks at pgfloat's
    default interval: after a crash or a switchover, the first write lands on the new leader
    within KEY_TO_WRITE_BUDGET of Patroni writing the leader key, timed from an etcd watch
    (patroni_harness.EtcdWatchRecorder), not from a poll;
  * a static primary + standby (harness.PGCluster) and a standalone etcd in which the tests
    write Patroni-shaped keys themselves: a leader key naming a replica, etcd killed under
    `on_dcs_loss = "keep"` and `"fence"`, and a compaction while pgfloat was cut off.

Run as root:  python3 -m pytest -v -s Tests/Integration/test_dcs.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

etcd and Patroni are installed when missing (patroni_harness.ensure_*); without them the
module's tests are skipped, never failed. `-s` shows the measured delays.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from harness import (HOST, PGFloat, client_env, finish, free_port, listener, metric_sample, pgfloat_bin,
                     pgfloat_config, psql, psql_cmd, run_psql, server, skip_module_unless_runnable, socat, start_psql,
                     wait_active, wait_until)
from patroni_harness import (LOOP_WAIT, NAMESPACE, TTL, Etcd, EtcdWatchRecorder, PatroniCluster, cluster_with_table,
                             ensure_etcd, missing, writes_table)

skip_module_unless_runnable()

# From the leader key naming a server to the first write through pgfloat landing on it. Patroni
# promotes 0.1-0.25 s after it writes the key (measured on loopback); pgfloat checks the named
# server at once and again every confirm_interval until it answers primary.
KEY_TO_WRITE_BUDGET = 0.5
TABLE = "pgfloat_dcs_writes"
WRITE = f"INSERT INTO {TABLE} DEFAULT VALUES RETURNING inet_server_port()"
CREATE_TABLE = writes_table(TABLE)


# ---------------------------------------------------------------------------
# the runtime API and the stats endpoint
# ---------------------------------------------------------------------------

def show_dcs(sock: Path) -> dict[str, str]:
    """`show dcs` as a dict of its `key: value` lines (a value may be empty)."""
    fields = {}
    for line in socat(sock, "show dcs").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def dcs_members(fields: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """`members: m1=server/role/state ...` as {member: (server, role, state)}."""
    members = {}
    for item in fields.get("members", "").split():
        name, _, rest = item.partition("=")
        parts = rest.split("/")
        members[name] = tuple(parts) if len(parts) == 3 else (rest, "", "")
    return members


def wait_dcs(sock: Path, timeout: float, what: str, **want: str) -> dict[str, str]:
    """Wait until `show dcs` has every wanted field value; returns the whole report."""
    last: dict[str, str] = {}

    def matches():
        nonlocal last
        try:
            last = show_dcs(sock)
        except (AssertionError, subprocess.TimeoutExpired):
            return None
        return last if all(last.get(k) == v for k, v in want.items()) else None
    try:
        return wait_until(matches, timeout, what, interval=0.05)
    except TimeoutError as e:
        raise AssertionError(f"{e}; want {want}; last `show dcs`: {last}") from None


def counter(fields: dict[str, str], name: str) -> int:
    return int(fields.get(name) or 0)


def metrics(stats_port: int) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{stats_port}/metrics", timeout=5) as response:
        return response.read().decode()


# ---------------------------------------------------------------------------
# writes through pgfloat
# ---------------------------------------------------------------------------

class Attempt(NamedTuple):
    started: float      # time.monotonic() before psql was spawned
    ended: float        # ... after it exited
    port: str | None    # the server port the INSERT landed on; None when it failed
    error: str


def write_once(lport: int, timeout: float = 10) -> str | None:
    """One INSERT over a fresh connection; the server port it landed on, None on failure."""
    try:
        r = run_psql(lport, WRITE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    lines = r.stdout.strip().splitlines()
    return lines[0] if r.returncode == 0 and lines else None


class WriteLoop:
    """`writers` threads, each writing through a listener over a fresh psql connection, again and
    again, so that a write is always in flight: pgfloat queues a write while no server may take it,
    and the queued write completes the moment it is routed. Every attempt is recorded.

    PGCONNECT_TIMEOUT is raised above pgfloat's timeout_queue so libpq does not give up on a
    queued connection first. Stopping kills the psql processes still running (ours, by PID)."""

    def __init__(self, lport: int, writers: int = 3, timeout: float = 40):
        self.lport, self.timeout = lport, timeout
        self._attempts: list[Attempt] = []
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._env = client_env(PGCONNECT_TIMEOUT=str(int(timeout)))
        self._threads = [threading.Thread(target=self._writer, args=(i * 0.05,), daemon=True)
                         for i in range(writers)]

    def __enter__(self) -> "WriteLoop":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            running = list(self._procs)
        for proc in running:
            if proc.poll() is None:
                proc.kill()
        for thread in self._threads:
            thread.join(15)

    def _writer(self, offset: float) -> None:
        self._stop.wait(offset)  # staggered, so the writers' gaps between attempts do not line up
        while not self._stop.is_set():
            started = time.monotonic()
            proc = subprocess.Popen(psql_cmd(self.lport, WRITE), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=self._env)
            with self._lock:
                self._procs.add(proc)
            try:
                out, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate(timeout=10)
                err = f"no answer within {self.timeout}s; {err}"
            finally:
                with self._lock:
                    self._procs.discard(proc)
            ended = time.monotonic()
            lines = out.strip().splitlines()
            port = lines[0] if proc.returncode == 0 and lines else None
            with self._lock:
                self._attempts.append(Attempt(started, ended, port, "" if port else err.strip()[-200:]))
            if port is None and ended - started < 0.2:
                self._stop.wait(0.05)  # refused at once: do not spin

    def attempts(self) -> list[Attempt]:
        with self._lock:
            return sorted(self._attempts, key=lambda a: a.started)

    def first_landing(self, port: int, after: float) -> Attempt | None:
        """The attempt that landed on `port` soonest after `after` (by when psql returned)."""
        hits = [a for a in self.attempts() if a.port == str(port) and a.ended >= after]
        return min(hits, key=lambda a: a.ended, default=None)

    def wait_landing(self, port: int, after: float, timeout: float, what: str) -> Attempt:
        try:
            return wait_until(lambda: self.first_landing(port, after), timeout, what, interval=0.02)
        except TimeoutError as e:
            raise AssertionError(f"{e}; attempts from 1s before:\n{self.summary(after - 1, limit=40)}") from None

    def wait_attempt_started_after(self, instant: float, timeout: float, ok: bool | None = None) -> Attempt:
        """Wait until an attempt that started at or after `instant` has finished (succeeded if ok)."""
        def done():
            return next((a for a in self.attempts() if a.started >= instant
                         and (ok is None or (a.port is not None) == ok)), None)
        return wait_until(done, timeout, f"a write attempt started {instant:.1f} to finish", interval=0.05)

    def summary(self, since: float, limit: int = 200) -> str:
        """Attempts that ended after `since`, timed from it (the first `limit` of them)."""
        recent = [a for a in self.attempts() if a.ended >= since][:limit]
        return "\n".join(f"  +{a.started - since:7.3f}s..+{a.ended - since:7.3f}s -> {a.port or 'FAILED ' + a.error}"
                         for a in recent)


def log_digest(pf: PGFloat, lines: int = 60) -> str:
    """The log's last lines other than per-session ones (a write loop floods those), and the
    last few session lines. With PGFLOAT_ARTIFACTS set, the whole log is kept there too."""
    text = pf.log_text().splitlines()
    sessions = [line for line in text if re.search(r"\binfo session\b", line)]
    other = [line for line in text if not re.search(r"\binfo session\b", line)]
    keep = os.environ.get("PGFLOAT_ARTIFACTS")
    if keep and pf.log_path.exists():
        shutil.copy(pf.log_path, Path(keep) / f"pgfloat-dcs-{pf.pid}.log")
    return "\n".join(other[-lines:] + ["... last session lines:"] + sessions[-5:])


def proxy_tail(pf: PGFloat) -> str:
    return f"--- pgfloat log (without session lines) ---\n{log_digest(pf)}"


# ---------------------------------------------------------------------------
# a real Patroni cluster
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def patroni():
    reason = missing()
    if reason:
        pytest.skip(reason)
    with cluster_with_table(TABLE) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def patroni_proxy(patroni):
    """pgfloat over the three nodes (server name = Patroni member name), `pgsql` checks at
    pgfloat's default interval, rise and fall, and `[dcs]` on the cluster's etcd."""
    pport, rport = free_port(), free_port()
    sockdir = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-admin-"))
    names = list(patroni.nodes)
    servers = [server(name, node.pg_port) for name, node in patroni.nodes.items()]
    listeners = [
        listener("postgres_primary", pport, names, balance="first", role="primary",
                 on_marked_down="shutdown-sessions"),
        listener("postgres_replicas", rport, names, balance="roundrobin", role="replica"),
    ]
    check = {"type": "pgsql", "timeout": "1s", "user": "postgres",
             "interval": None, "rise": None, "fall": None}  # None: pgfloat's defaults
    dcs = {"type": "etcd3", "endpoints": [patroni.etcd.client_url], "namespace": NAMESPACE,
           "scope": patroni.scope, "on_dcs_loss": "keep", "timeout": "1s"}
    pf = PGFloat(pgfloat_config(servers, listeners, global_={"admin_socket": str(sockdir / "admin.sock")},
                                defaults={"timeout_queue": "30s"}, check=check, dcs=dcs))
    try:
        pf.start(ports=[pport, rport])
        pf.primary_port, pf.replica_port, pf.sock = pport, rport, sockdir / "admin.sock"
        yield pf
    finally:
        code = pf.stop()
        print(f"--- pgfloat exit={code} log (tail, without session lines) ---\n{log_digest(pf)}")
        pf.cleanup()
        shutil.rmtree(sockdir, ignore_errors=True)


def settled_on_leader(cluster: PatroniCluster, pf: PGFloat) -> str:
    """Wait for a healthy cluster, pgfloat following its leader, and writes landing there."""
    leader = cluster.wait_healthy()
    wait_dcs(pf.sock, 30, f"pgfloat to follow leader {leader}", state="connected", leader=leader,
             leader_server=leader)
    wait_until(lambda: write_once(pf.primary_port) == str(cluster.nodes[leader].pg_port), 30,
               f"writes through pgfloat to land on the leader {leader}")
    return leader


def assert_follows(cluster: PatroniCluster, pf: PGFloat, leader: str) -> None:
    """`show dcs` names the new leader, connected, and its member record as primary."""
    def member_primary():
        fields = show_dcs(pf.sock)
        _, role, state = dcs_members(fields).get(leader, ("", "", ""))
        return fields if role in ("primary", "master") and state == "running" else None
    fields = wait_dcs(pf.sock, 10, f"show dcs to name {leader}", state="connected", leader=leader,
                      leader_server=leader, writes="leader")
    assert dcs_members(fields).get(leader, ("",))[0] == leader, fields
    # Patroni rewrites the member record within a loop or two after it promotes.
    wait_until(member_primary, 4 * LOOP_WAIT + 5, f"{leader}'s member record to say primary/running")


def test_switchover_routes_writes_within_budget_of_the_key(patroni, patroni_proxy):
    pf = patroni_proxy
    leader = settled_on_leader(patroni, pf)
    candidate = next(name for name in patroni.nodes if name != leader)
    old_port, new_port = patroni.nodes[leader].pg_port, patroni.nodes[candidate].pg_port

    with EtcdWatchRecorder(patroni.etcd.client_url, patroni.leader_key) as watch, WriteLoop(pf.primary_port) as writes:
        writes.wait_landing(old_port, time.monotonic(), 10, "the write loop to reach the leader")
        started = time.monotonic()
        ctl = subprocess.Popen(patroni.patronictl_cmd("switchover", "--leader", leader,
                                                      "--candidate", candidate, "--force"),
                               cwd=patroni.base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            key = watch.wait_for(candidate, 60, after=started)
            landed = writes.wait_landing(new_port, key.at, 40, f"a write to land on {candidate}")
            out, _ = ctl.communicate(timeout=60)
        finally:
            if ctl.poll() is None:
                ctl.kill()
                ctl.communicate(timeout=10)
    assert ctl.returncode == 0, out
    delay = landed.ended - key.at
    print(f"\npatroni switchover {leader} -> {candidate}: leader key written (revision {key.revision}) "
          f"{key.at - started:.2f}s after patronictl started; first write through pgfloat on {candidate} "
          f"{delay:.3f}s after the key", flush=True)
    late = [a for a in writes.attempts() if a.port is not None and a.ended > key.at and a.port != str(new_port)]
    assert not late, f"writes landed elsewhere after the key named {candidate}: {late}"
    assert delay < KEY_TO_WRITE_BUDGET, (f"first write on {candidate} {delay:.3f}s after the key\n"
                                         f"{writes.summary(key.at - 1)}\n{proxy_tail(pf)}")
    assert_follows(patroni, pf, candidate)


def test_crash_routes_writes_within_budget_of_the_key(patroni, patroni_proxy):
    """Last in the module: the crashed node is left down."""
    pf = patroni_proxy
    leader = settled_on_leader(patroni, pf)
    old_port = patroni.nodes[leader].pg_port

    with EtcdWatchRecorder(patroni.etcd.client_url, patroni.leader_key) as watch, WriteLoop(pf.primary_port) as writes:
        writes.wait_landing(old_port, time.monotonic(), 10, "the write loop to reach the leader")
        crashed_at = time.monotonic()
        patroni.crash(leader)
        gone_at = time.monotonic()  # its PostgreSQL is stopped: no write can land there after this
        # The leader's lease runs out (<= ttl), then a replica takes the key at once.
        key = wait_until(lambda: next((e for e in watch.snapshot() if e.value and e.value != leader), None),
                         TTL + 30, "Patroni to write a new leader key", interval=0.05)
        new_port = patroni.nodes[key.value].pg_port
        landed = writes.wait_landing(new_port, key.at, 40, f"a write to land on {key.value}")
    delay = landed.ended - key.at
    print(f"\npatroni crash of {leader}: {key.value} wrote the leader key {key.at - crashed_at:.2f}s after "
          f"the crash; first write through pgfloat on it {delay:.3f}s after the key", flush=True)
    after_crash = [a for a in writes.attempts() if a.port is not None and a.ended > gone_at]
    assert {a.port for a in after_crash} <= {str(new_port)}, f"writes landed elsewhere: {after_crash}"
    assert delay < KEY_TO_WRITE_BUDGET, (f"first write on {key.value} {delay:.3f}s after the key\n"
                                         f"{writes.summary(key.at - 1)}\n{proxy_tail(pf)}")
    assert_follows(patroni, pf, key.value)


# ---------------------------------------------------------------------------
# static keys: a primary and a standby, and the test plays Patroni
# ---------------------------------------------------------------------------

STATIC_CHECK = {"type": "pgsql", "interval": "1s", "fast_interval": "250ms", "timeout": "1s",
                "rise": 2, "fall": 2, "user": "postgres"}
STATIC_NAMESPACE = "/service"  # without the trailing slash this time
# Member names differ from the server names, so pgfloat has to map them by conn_url.
MEMBER_OF = {"primary": "alpha", "standby1": "bravo"}
GRACE = 2.0


class PatroniKeys:
    """Patroni's keys for one scope, written by the test: `<ns>/<scope>/leader` and
    `<ns>/<scope>/members/<name>` with the JSON Patroni 4 publishes."""

    def __init__(self, etcd: Etcd, cluster, scope: str):
        self.etcd, self.cluster, self.scope = etcd, cluster, scope

    @property
    def prefix(self) -> str:
        return f"{STATIC_NAMESPACE}/{self.scope}"

    def set_leader(self, server_name: str) -> int:
        return self.etcd.put(f"{self.prefix}/leader", MEMBER_OF[server_name])

    def clear_leader(self) -> int:
        return self.etcd.delete(f"{self.prefix}/leader")

    def set_member(self, server_name: str, role: str, state: str = "running") -> int:
        port = self.cluster.nodes[server_name].port
        record = {"conn_url": f"postgres://{HOST}:{port}/postgres",
                  "api_url": f"http://{HOST}:{port + 1}/patroni",  # nothing listens; pgsql checks
                  "state": state, "role": role, "version": "4.1.5", "timeline": 1,
                  "xlog_location": 50331648}
        return self.etcd.put(f"{self.prefix}/members/{MEMBER_OF[server_name]}", json.dumps(record))

    def publish(self, leader: str = "primary") -> int:
        self.etcd.put(f"{self.prefix}/initialize", "7300000000000000000")
        self.etcd.put(f"{self.prefix}/config", json.dumps({"ttl": 30, "loop_wait": 10}))
        self.set_member("primary", "primary")
        self.set_member("standby1", "replica")
        return self.set_leader(leader)


@pytest.fixture(scope="module")
def etcd_installed():
    reason = ensure_etcd()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def etcd(etcd_installed):
    """A standalone etcd per test (the tests kill and restart it), its data kept between restarts."""
    base = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-etcd-"))
    store = Etcd(base, f"dcs-it-{uuid.uuid4().hex[:8]}")
    try:
        store.start()
        yield store
    finally:
        store.stop()
        print(f"--- etcd log (tail) ---\n{store.log_tail(10)}")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def admin_dir():
    path = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-admin-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def static(cluster, etcd, pgfloat, port, admin_dir):
    """Keys published for a fresh scope, and a starter for pgfloat over the shared primary + standby:
    `static.start(on_dcs_loss=..., timeout_queue=...)` returns the running PGFloat with
    primary_port, replica_port, sock and stats_port set."""
    psql(cluster.primary.port, CREATE_TABLE)
    keys = PatroniKeys(etcd, cluster, f"dcs-it-{uuid.uuid4().hex[:10]}")
    keys.publish()

    s = SimpleNamespace(cluster=cluster, etcd=etcd, keys=keys)

    def start(on_dcs_loss: str = "keep", timeout_queue: str = "1s", on_marked_down: str = "shutdown-sessions",
              **dcs_extra) -> PGFloat:
        pport, rport, sport = port(), port(), port()
        sock = admin_dir / "admin.sock"
        names = list(MEMBER_OF)
        servers = [server(n, cluster.nodes[n].port) for n in names]
        listeners = [
            listener("postgres_primary", pport, names, balance="first", role="primary",
                     on_marked_down=on_marked_down),
            listener("postgres_replicas", rport, names, balance="roundrobin", role="replica"),
        ]
        dcs = {"type": "etcd3", "endpoints": [etcd.client_url], "namespace": STATIC_NAMESPACE,
               "scope": keys.scope, "on_dcs_loss": on_dcs_loss, "dcs_loss_grace": f"{GRACE:g}s",
               "confirm_interval": "50ms", "timeout": "1s", **dcs_extra}
        config = pgfloat_config(servers, listeners, check=STATIC_CHECK, dcs=dcs,
                                global_={"admin_socket": str(sock), "stats_bind": f"{HOST}:{sport}"},
                                defaults={"timeout_queue": timeout_queue})
        pf = pgfloat(config, ports=[pport, rport, sport])
        pf.primary_port, pf.replica_port, pf.sock, pf.stats_port = pport, rport, sock, sport
        wait_dcs(sock, 15, "pgfloat to follow the published keys", state="connected", leader="alpha",
                 leader_server="primary", writes="leader")
        wait_until(lambda: write_once(pport) == str(cluster.primary.port), 15,
                   "writes through pgfloat to land on the primary")
        return pf
    s.start = start
    return s


def test_leader_key_naming_a_replica_gets_no_writes(static):
    pf = static.start(timeout_queue="1s")
    fields = show_dcs(pf.sock)
    assert dcs_members(fields) == {"alpha": ("primary", "primary", "running"),
                                   "bravo": ("standby1", "replica", "running")}, fields
    assert fields["type"] == "etcd3" and fields["endpoint"] == static.etcd.client_url, fields
    before = counter(fields, "disagreements")

    static.keys.set_leader("standby1")
    wait_dcs(pf.sock, 5, "pgfloat to follow the key to bravo", leader="bravo", leader_server="standby1")
    # timeout_queue 1s: a write waits that long for a primary, then pgfloat answers an error.
    started = time.monotonic()
    assert write_once(pf.primary_port, timeout=15) is None, "a write went through while the key names a replica"
    failed_after = time.monotonic() - started
    assert write_once(pf.primary_port, timeout=15) is None
    fields = wait_until(lambda: (f := show_dcs(pf.sock)) and counter(f, "disagreements") > before and f, 5,
                        "a disagreement counted in show dcs")
    wait_until(lambda: "dcs disagreement" in pf.log_text(), 5, "a `dcs disagreement` log line")
    assert (metric_sample(metrics(pf.stats_port), "pgfloat_dcs_disagreements_total") or 0) >= 1
    # The standby keeps serving reads: only writes follow the key.
    assert run_psql(pf.replica_port, "SELECT 1", timeout=10).returncode == 0

    static.keys.set_leader("primary")
    back = time.monotonic()
    landed = wait_until(lambda: write_once(pf.primary_port) == str(static.cluster.primary.port) and time.monotonic(),
                        5, "writes to resume on the primary")
    print(f"\nleader key on the replica: writes failed after {failed_after:.2f}s (timeout_queue 1s), "
          f"disagreements {before} -> {fields['disagreements']} (writes: {fields.get('writes')}); "
          f"key back on the primary: first write {landed - back:.3f}s later", flush=True)
    assert landed - back < 2
    fields = wait_dcs(pf.sock, 5, "show dcs back on alpha", leader="alpha", leader_server="primary",
                      writes="leader", state="connected")
    assert metric_sample(metrics(pf.stats_port), "pgfloat_dcs_leader", member="alpha", server="primary") == 1


def test_leader_key_held_by_a_member_that_is_no_server_closes_the_old_primarys_sessions(static):
    """Another Patroni member (one pgfloat has no [[server]] for) took the key: the primary pgfloat knows lost
    the role, so its sessions must not keep writing (on_primary_lost), unlike while no member holds the key.
    on_marked_down is left at "none": a server leaving the pool is not what closes them."""
    pf = static.start(timeout_queue="1s", on_marked_down="none")
    held = start_psql(pf.primary_port, "SELECT pg_sleep(60)", "dcs-unmapped-held")
    try:
        wait_active([static.cluster.primary.port], "dcs-unmapped-held")
        # No key: between leaders nobody is known to have lost the role, and the session stays.
        static.keys.clear_leader()
        wait_dcs(pf.sock, 5, "pgfloat to see the key go", leader="", writes="none")
        assert write_once(pf.primary_port, timeout=15) is None, "a write went through with no leader key"
        assert held.poll() is None, "the session closed while no member held the key"
        moved_at = time.monotonic()
        static.etcd.put(f"{static.keys.prefix}/leader", "charlie")
        fields = wait_dcs(pf.sock, 5, "pgfloat to follow the key to charlie", leader="charlie", leader_server="",
                          writes="unmapped")
        code, _, err = finish(held, 10)
        closed_after = time.monotonic() - moved_at
    finally:
        if held.poll() is None:
            held.kill()
            held.communicate(timeout=10)
    print(f"\nleader key taken by charlie (no server): held session on the primary closed after "
          f"{closed_after:.2f}s", flush=True)
    assert code != 0, "the session on the old primary survived"
    assert closed_after < 5, err
    assert write_once(pf.primary_port, timeout=15) is None, "a write went through while charlie holds the key"
    wait_until(lambda: "dcs leader matches no server" in pf.log_text(), 5, "a `dcs leader matches no server` line")
    assert "why=primary-lost" in pf.log_text(), pf.log_tail()
    assert fields["state"] == "connected", fields


def test_etcd_loss_keep(static):
    pf = static.start(on_dcs_loss="keep", timeout_queue="1s")
    primary_port = str(static.cluster.primary.port)
    reconnects = counter(show_dcs(pf.sock), "reconnects")

    with WriteLoop(pf.primary_port, writers=2, timeout=10) as writes:
        writes.wait_landing(int(primary_port), time.monotonic(), 10, "the write loop to reach the primary")
        killed_at = time.monotonic()
        static.etcd.kill()
        lost = wait_dcs(pf.sock, 5, "show dcs to report the store lost", state="lost")
        # Writes keep landing well past twice the grace fence would have used.
        writes.wait_attempt_started_after(killed_at + 2 * GRACE + 0.5, 10, ok=True)
        during = show_dcs(pf.sock)
        text = metrics(pf.stats_port)
        restarted_at = time.monotonic()
        static.etcd.start()
        back = wait_dcs(pf.sock, 15, "show dcs to report the store connected again", state="connected",
                        writes="leader", leader="alpha")
    window = [a for a in writes.attempts() if a.started >= killed_at and a.ended <= restarted_at]
    print(f"\netcd killed under on_dcs_loss=keep: first `state: lost` with lost_for {lost.get('lost_for')}s, "
          f"{len(window)} writes while it was down, connected again "
          f"{time.monotonic() - restarted_at:.2f}s after the restart", flush=True)
    assert window and all(a.port == primary_port for a in window), writes.summary(killed_at)
    assert during["state"] == "lost" and during["writes"] == "checks", during
    assert float(during["lost_for"]) >= 2 * GRACE - 1.0, during  # less the 1s timeout to notice
    assert during["on_dcs_loss"] == "keep", during
    assert metric_sample(text, "pgfloat_dcs_connected") == 0 and metric_sample(text, "pgfloat_dcs_writes_fenced") == 0
    assert counter(back, "reconnects") > reconnects, back
    assert back["lost_for"] == "", back
    assert metric_sample(metrics(pf.stats_port), "pgfloat_dcs_connected") == 1
    assert write_once(pf.primary_port) == primary_port


def test_etcd_loss_fence(static):
    pf = static.start(on_dcs_loss="fence", timeout_queue="1s")
    primary_port = str(static.cluster.primary.port)
    held = start_psql(pf.primary_port, "SELECT pg_sleep(60)", "dcs-fence-held")
    try:
        wait_active([static.cluster.primary.port], "dcs-fence-held")
        with WriteLoop(pf.primary_port, writers=2, timeout=10) as writes:
            writes.wait_landing(int(primary_port), time.monotonic(), 10, "the write loop to reach the primary")
            killed_at = time.monotonic()
            static.etcd.kill()
            fenced = wait_dcs(pf.sock, GRACE + 5, "show dcs to report writes fenced", writes="fenced")
            fenced_seen = time.monotonic() - killed_at
            code, _, err = finish(held, GRACE + 5)
            held_closed = time.monotonic() - killed_at
            # Let the loop run into the fenced time, so the window below is not empty.
            writes.wait_attempt_started_after(killed_at + GRACE + 1.5, 10)
            text = metrics(pf.stats_port)
            restarted_at = time.monotonic()
            static.etcd.start()
            resumed = writes.wait_attempt_started_after(restarted_at, 15, ok=True)
            back = wait_dcs(pf.sock, 10, "show dcs connected again", state="connected", writes="leader")
    finally:
        if held.poll() is None:
            held.kill()
            held.communicate(timeout=10)
    attempts = [a for a in writes.attempts() if a.started >= killed_at]
    failed = [a for a in attempts if a.port is None and a.ended <= restarted_at]
    first_fail = min((a.started for a in failed), default=None)
    print(f"\netcd killed under on_dcs_loss=fence, grace {GRACE:g}s: first refused write started "
          f"{(first_fail or 0) - killed_at:.2f}s after the kill, `writes: fenced` seen at {fenced_seen:.2f}s, "
          f"held session closed at {held_closed:.2f}s; after the restart the first write landed "
          f"{resumed.ended - restarted_at:.2f}s later", flush=True)
    summary = writes.summary(killed_at)
    assert first_fail is not None, summary
    early = [a for a in attempts if a.started <= killed_at + GRACE - 0.5]
    assert early and all(a.port == primary_port for a in early), f"writes refused before the grace\n{summary}"
    assert GRACE - 0.5 <= first_fail - killed_at <= GRACE + 1.5, summary
    fenced_window = [a for a in attempts if a.started >= killed_at + GRACE + 1.5 and a.ended <= restarted_at]
    assert fenced_window and all(a.port is None for a in fenced_window), f"a write got through fenced\n{summary}"
    assert code != 0, "the session on the primary survived the fence"
    assert held_closed <= GRACE + 3, err
    assert fenced["state"] == "lost" and fenced["on_dcs_loss"] == "fence", fenced
    assert metric_sample(text, "pgfloat_dcs_writes_fenced") == 1 and metric_sample(text, "pgfloat_dcs_connected") == 0
    assert resumed.ended - restarted_at < 5 and resumed.port == primary_port, summary
    assert back["leader"] == "alpha", back
    assert metric_sample(metrics(pf.stats_port), "pgfloat_dcs_writes_fenced") == 0


def test_compaction_between_restarts(static):
    pf = static.start(on_dcs_loss="keep", timeout_queue="1s")
    etcd, keys = static.etcd, static.keys
    seen = wait_dcs(pf.sock, 5, "pgfloat at the store's revision", state="connected",
                    revision=str(etcd.revision()))
    seen_revision, reconnects = int(seen["revision"]), counter(seen, "reconnects")

    # pgfloat's endpoint closed; the same store open on another port only.
    etcd.stop()
    wait_dcs(pf.sock, 5, "show dcs to report the store lost", state="lost")
    side_port = free_port()
    etcd.start(extra_client_ports=[side_port], only_extra=True)
    keys.set_member("standby1", "replica", state="stopped")
    for i in range(3):
        etcd.put(f"{keys.prefix}/dummy", f"churn {i}")
        etcd.delete(f"{keys.prefix}/dummy")
    compacted = etcd.revision()
    assert compacted > seen_revision + 1, "nothing to compact past pgfloat's revision"
    etcd.compact(compacted)
    # pgfloat must not have seen any of that.
    assert show_dcs(pf.sock)["state"] == "lost"
    etcd.stop()

    etcd.start(extra_client_ports=[side_port])
    # Every reconnect reads the keys and watches from the read's revision, so the compacted history is never
    # asked for (a resumed watch would be refused it and read anyway, after showing the old state).
    fields = wait_until(lambda: (f := show_dcs(pf.sock)) and f.get("state") == "connected"
                        and counter(f, "reconnects") > reconnects and f, 15,
                        "pgfloat to reconnect and re-read the keys after the compaction")
    assert int(fields["revision"]) >= compacted, fields
    assert dcs_members(fields)["bravo"] == ("standby1", "replica", "stopped"), fields
    assert dcs_members(fields)["alpha"] == ("primary", "primary", "running"), fields
    text = metrics(pf.stats_port)
    assert metric_sample(text, "pgfloat_dcs_revision") >= compacted

    # The watch works after the re-read: no leader -> no writes; the leader back -> writes.
    keys.clear_leader()
    wait_dcs(pf.sock, 5, "pgfloat to see the leader key go", leader="", leader_server="")
    assert write_once(pf.primary_port, timeout=15) is None, "a write went through with no leader key"
    revision = keys.set_leader("primary")
    fields = wait_dcs(pf.sock, 5, "pgfloat to follow the new leader key", leader="alpha",
                      leader_server="primary", revision=str(revision))
    wait_until(lambda: write_once(pf.primary_port) == str(static.cluster.primary.port), 5,
               "writes to land on the primary again")
    print(f"\ncompaction at {compacted} while pgfloat (at {seen_revision}) was cut off: "
          f"reconnects {reconnects} -> {fields['reconnects']}, resyncs {fields['resyncs']}", flush=True)


def test_store_restored_from_an_older_snapshot_is_followed(static, tmp_path):
    """etcd restored from a backup without --bump-revision counts its revisions again from the snapshot's: a
    pgfloat that kept the higher revision it had seen skips every change up to it and shows a stale leader."""
    pf = static.start(on_dcs_loss="keep", timeout_queue="1s")
    etcd, keys = static.etcd, static.keys
    backup = tmp_path / "etcd.db"
    etcd.save_snapshot(backup)
    backup_revision = etcd.revision()
    for i in range(20):
        etcd.put(f"{keys.prefix}/dummy", f"churn {i}")
    seen = wait_dcs(pf.sock, 5, "pgfloat at the store's revision", revision=str(etcd.revision()))
    assert int(seen["revision"]) >= backup_revision + 20, seen

    etcd.stop()
    wait_dcs(pf.sock, 5, "show dcs to report the store lost", state="lost")
    etcd.restore_snapshot(backup)
    etcd.start()
    # Restored: the store is back at the backup's revision, and the key moves well below what pgfloat saw.
    moved = keys.set_leader("standby1")
    assert moved < int(seen["revision"]), (moved, seen)
    fields = wait_dcs(pf.sock, 10, "pgfloat to follow the key moved after the restore", state="connected",
                      leader="bravo", leader_server="standby1")
    assert int(fields["revision"]) == moved, fields
    wait_until(lambda: "dcs revision went back" in pf.log_text(), 5, "a `dcs revision went back` log line")
    # The watch runs from the restored revision on: the key moves back at the next one.
    back = keys.set_leader("primary")
    wait_dcs(pf.sock, 5, "pgfloat to follow the key back", leader="alpha", revision=str(back))
    print(f"\nrestored from revision {backup_revision} after pgfloat saw {seen['revision']}: key moved at "
          f"{moved}, followed", flush=True)


class FreezableRelay:
    """A TCP relay in front of etcd that can silently drop the watch, as a NAT whose mapping expired
    or a stateful firewall that lost the flow would: `freeze_watches()` stops forwarding on every
    connection that carried a watch request, in both directions, and keeps the sockets open (no
    FIN, no RST). Connections opened afterwards, and the ones carrying unary requests, keep
    working, so the store stays reachable and only the watch is dead."""

    def __init__(self, target_port: int):
        self.port = free_port()
        self.target = (HOST, target_port)
        self.listener = socket.create_server((HOST, self.port))
        self.listener.setblocking(False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ)
        self.peer: dict[socket.socket, socket.socket] = {}
        self.watch_socks: set[socket.socket] = set()   # client side of connections that sent /v3/watch
        self.frozen: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def watches(self) -> int:
        with self.lock:
            return len(self.watch_socks - self.frozen)

    def freeze_watches(self) -> int:
        """Stops forwarding on the watch connections open now; returns how many."""
        with self.lock:
            for client in self.watch_socks - self.frozen:
                self.frozen |= {client, self.peer[client]}
                for s in (client, self.peer[client]):
                    self.sel.unregister(s)
            return len(self.frozen) // 2

    def _run(self) -> None:
        while not self.stopping.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                with self.lock:
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj in self.peer and key.fileobj not in self.frozen:
                        self._pump(key.fileobj)

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        upstream = socket.create_connection(self.target, timeout=5)
        for s in (client, upstream):
            s.setblocking(True)
            self.sel.register(s, selectors.EVENT_READ)
        self.peer[client], self.peer[upstream] = upstream, client

    def _pump(self, s: socket.socket) -> None:
        other = self.peer[s]
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(s)
            return
        if s in self.peer and b"/v3/watch" in data[:200] and s not in self.watch_socks and \
                other.getpeername() == self.target:
            self.watch_socks.add(s)
        try:
            other.sendall(data)
        except OSError:
            self._close(s)

    def _close(self, s: socket.socket) -> None:
        for end in (s, self.peer.get(s)):
            if end is None:
                continue
            try:
                self.sel.unregister(end)
            except (KeyError, ValueError):
                pass
            self.peer.pop(end, None)
            self.watch_socks.discard(end)
            self.frozen.discard(end)
            end.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        with self.lock:
            for s in list(self.peer):
                self._close(s)
        self.listener.close()


def test_silently_dropped_watch_is_noticed_and_the_new_leader_followed(static):
    """The watch's connection goes silent without a FIN or RST while etcd stays reachable; the leader
    key then moves. The liveness probe reads the key, sees what the watch never delivered, and
    pgfloat re-reads and watches again, well within DETECT (timeout 1s: a probe per second, one
    second of grace for the watch to catch up)."""
    detect = 4.0
    relay = FreezableRelay(static.etcd.client_port)
    try:
        pf = static.start(on_dcs_loss="keep", timeout_queue="1s", endpoints=[relay.url])
        wait_until(relay.watches, 5, "the watch to run through the relay")
        before = show_dcs(pf.sock)
        assert relay.freeze_watches() == 1

        revision = static.keys.set_leader("standby1")
        moved_at = time.monotonic()
        fields = wait_dcs(pf.sock, detect, "pgfloat to notice the dead watch and follow the key to bravo",
                          state="connected", leader="bravo", leader_server="standby1", revision=str(revision))
        noticed = time.monotonic() - moved_at
        assert counter(fields, "stale_watches") == counter(before, "stale_watches") + 1, fields
        assert counter(fields, "reconnects") == counter(before, "reconnects"), fields  # same endpoint, no loss
        wait_until(lambda: "dcs watch stale" in pf.log_text(), 5, "a `dcs watch stale` log line")
        assert metric_sample(metrics(pf.stats_port), "pgfloat_dcs_stale_watches_total") == 1

        # The new watch delivers: the key back on alpha arrives without a probe's help.
        wait_until(relay.watches, 5, "a new watch through the relay")
        back = static.keys.set_leader("primary")
        back_at = time.monotonic()
        wait_dcs(pf.sock, 0.9, "the new watch to deliver the key back to alpha", leader="alpha",
                 revision=str(back))
        print(f"\nwatch frozen, leader key moved: pgfloat followed it {noticed:.2f}s later "
              f"(stale_watches {fields['stale_watches']}); the new watch delivered the next change "
              f"{time.monotonic() - back_at:.3f}s after it", flush=True)
        assert counter(show_dcs(pf.sock), "stale_watches") == 1
    finally:
        relay.close()


class NetnsStore:
    """etcd and pgfloat inside a network namespace of the test's own, so that nftables there can
    drop one flow silently: nothing touches the root namespace. pgfloat's servers are not
    reachable from inside (only `show dcs` matters here); its admin socket is a file, reachable
    from the test. Every process is stopped by PID, then the namespace is deleted."""

    def __init__(self, scope: str):
        self.ns = f"pfdcs{os.getpid() % 100000}{uuid.uuid4().hex[:4]}"
        self.base = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-netns-"))
        self.port, self.peer_port = free_port(), free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.scope = scope
        self.etcd: subprocess.Popen | None = None
        subprocess.run(["ip", "netns", "add", self.ns], check=True, timeout=10)
        self.run("ip", "link", "set", "lo", "up")

    def cmd(self, *args: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *args]

    def run(self, *args: str) -> str:
        r = subprocess.run(self.cmd(*args), capture_output=True, text=True, timeout=20,
                           env={**os.environ, "ETCDCTL_API": "3"})
        assert r.returncode == 0, f"{' '.join(args)}: {r.stderr}"
        return r.stdout

    def start_etcd(self) -> None:
        peer = f"http://{HOST}:{self.peer_port}"
        with open(self.base / "etcd.log", "ab") as log:
            self.etcd = subprocess.Popen(self.cmd(
                "etcd", "--name", "ns", "--data-dir", str(self.base / "data"), "--listen-client-urls", self.url,
                "--advertise-client-urls", self.url, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", f"ns={peer}"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def healthy():
            assert self.etcd.poll() is None, (self.base / "etcd.log").read_text()[-2000:]
            try:
                self.run("etcdctl", "--endpoints", self.url, "endpoint", "health")
                return True
            except AssertionError:
                return False
        wait_until(healthy, 30, "etcd in the namespace to report healthy", interval=0.2)

    def put(self, key: str, value: str) -> None:
        self.run("etcdctl", "--endpoints", self.url, "put", f"{STATIC_NAMESPACE}/{self.scope}/{key}", value)

    def flows(self, pid: int) -> list[dict]:
        """`pid`'s connections to etcd: local port, whether a TCP keepalive timer runs, ms since the last send."""
        out = self.run("ss", "-tnopiH", "state", "established", "dport", "=", f":{self.port}")
        sockets, found = re.split(r"\n(?=\S)", out.strip()) if out.strip() else [], []
        for text in sockets:
            if f"pid={pid}," not in text:
                continue
            lastsnd = re.search(r"lastsnd:(\d+)", text)
            found.append({"port": int(text.split()[2].rsplit(":", 1)[1]), "keepalive": "timer:(keepalive" in text,
                          "lastsnd": int(lastsnd.group(1)) if lastsnd else 0})
        return found

    def drop_flow(self, local_port: int) -> None:
        """Silently drops both directions of one loopback flow (no RST, no ICMP)."""
        self.run("nft", "add", "table", "inet", "pgfloat_test")
        self.run("nft", "add", "chain", "inet", "pgfloat_test", "out",
                 "{ type filter hook output priority 0 ; }")
        for match in ("sport", "dport"):
            self.run("nft", "add", "rule", "inet", "pgfloat_test", "out", "tcp", match, str(local_port), "drop")

    def close(self) -> None:
        if self.etcd is not None and self.etcd.poll() is None:
            self.etcd.terminate()
            self.etcd.wait(timeout=20)
        subprocess.run(["ip", "netns", "del", self.ns], timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def test_watch_dropped_while_nothing_changes_is_found_by_tcp_keepalive(etcd_installed, admin_dir):
    """A firewall drops the watch's flow while no key changes: the liveness probe, over connections of
    its own, keeps succeeding and has nothing to compare. The watch's TCP keepalive (probes after
    `timeout` of silence, every `timeout`, two unanswered end it) must find it within
    (1 + 2) x timeout, and the watch resume on a fresh connection."""
    if shutil.which("nft") is None:
        pytest.skip("nft is not installed")
    scope = f"dcs-ka-{uuid.uuid4().hex[:8]}"
    store = NetnsStore(scope)
    try:
        store.start_etcd()
        store.put("leader", "alpha")
        sock = admin_dir / "netns.sock"
        names = list(MEMBER_OF)
        dcs = {"endpoints": [store.url], "namespace": STATIC_NAMESPACE, "scope": scope, "timeout": "1s"}
        config = pgfloat_config([server(n, free_port()) for n in names],
                                [listener("postgres_primary", free_port(), names, balance="first", role="primary")],
                                dcs=dcs, global_={"admin_socket": str(sock)}, check={"type": "pgsql"})
        wrapper = store.base / "pgfloat-in-netns"
        wrapper.write_text(f"#!/bin/sh\nexec ip netns exec {store.ns} {pgfloat_bin()} \"$@\"\n")
        wrapper.chmod(0o755)
        pf = PGFloat(config, binary=wrapper)
        try:
            pf.start()
            before = wait_dcs(sock, 15, "pgfloat to read the store", state="connected", leader="alpha")
            # The watch is the connection that sent nothing since it started (the probe sends every second),
            # and the one with a keepalive timer where there is one.
            def watch_flow():
                idle = [f for f in store.flows(pf.pid) if f["lastsnd"] > 1500]
                return max(idle, key=lambda f: (f["keepalive"], f["lastsnd"]), default=None)
            watch = wait_until(watch_flow, 5, "the watch's connection, idle since its request")
            store.drop_flow(watch["port"])
            dropped_at = time.monotonic()
            back = wait_until(lambda: (f := show_dcs(sock)) and counter(f, "reconnects") > counter(before, "reconnects")
                              and f.get("state") == "connected" and f, 5,
                              "the dropped watch to end and a new one to start")
            found = time.monotonic() - dropped_at
            assert back["leader"] == "alpha", back
            assert watch["keepalive"], watch
            rewatch = wait_until(lambda: next((f for f in store.flows(pf.pid) if f["keepalive"]
                                               and f["port"] != watch["port"]), None), 5,
                                 "the new watch on a connection of its own, with keepalive")
            assert rewatch
            # The new watch delivers.
            store.put("leader", "bravo")
            wait_dcs(sock, 0.9, "the new watch to deliver a change", leader="bravo")
            print(f"\nwatch flow dropped with no change: the watch ended and was resumed {found:.2f}s later "
                  f"(timeout 1s)", flush=True)
            assert "dcs lost" in pf.log_text(), pf.log_tail()
        finally:
            print(f"--- pgfloat exit={pf.stop()} log ---\n{pf.log_tail(20)}")
            pf.cleanup()
    finally:
        store.close()


# ---------------------------------------------------------------------------
# a store behind TLS with client certificates and a password
# ---------------------------------------------------------------------------

def openssl(*args: str, cwd: Path) -> None:
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def make_certificates(base: Path) -> None:
    """A CA, etcd's certificate for 127.0.0.1, and a client certificate without a CommonName: etcd 3.4's JSON
    gateway refuses a client certificate that has one while --client-cert-auth is on."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pgfloat test CA", cwd=base)
    leaves = (("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"),
              ("client", "/O=pgfloat", "extendedKeyUsage=clientAuth\n"))
    for name, subject, ext in leaves:
        (base / f"{name}.ext").write_text(ext)
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", subject, cwd=base)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=base)


class SecureEtcd:
    """etcd serving https only, asking for client certificates, with auth on: `root` may do anything, the
    user pgfloat logs in as may only read the scope. Driven through etcdctl (as root) so the test's own
    writes take the same checks."""

    PASSWORD = "s3cret-etcd-pass"

    def __init__(self, base: Path, prefix: str, auth_token: str | None = None):
        self.base, self.prefix, self.auth_token = base, prefix, auth_token
        self.port, self.peer_port = free_port(), free_port()
        self.url = f"https://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def etcdctl(self, *args: str, root: bool = True) -> str:
        cmd = ["etcdctl", "--endpoints", self.url, "--cacert", str(self.base / "ca.pem"),
               "--cert", str(self.base / "server.pem"), "--key", str(self.base / "server.key"),
               *(["--user", "root:root-pass"] if root else []), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env={**os.environ, "ETCDCTL_API": "3"})
        assert r.returncode == 0, f"{' '.join(args)}: {r.stderr}"
        return r.stdout

    def start(self) -> "SecureEtcd":
        peer = f"http://{HOST}:{self.peer_port}"
        files = {flag: str(self.base / name) for flag, name in
                 (("--cert-file", "server.pem"), ("--key-file", "server.key"), ("--trusted-ca-file", "ca.pem"))}
        cmd = ["etcd", "--name", "secure", "--data-dir", str(self.base / "data"),
               "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
               "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
               "--initial-cluster", f"secure={peer}", "--client-cert-auth",
               *[item for pair in files.items() for item in pair],
               *(["--auth-token", self.auth_token] if self.auth_token else [])]
        with open(self.base / "etcd.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def healthy():
            assert self.proc.poll() is None, (self.base / "etcd.log").read_text()[-2000:]
            try:
                self.etcdctl("endpoint", "health", root=False)
                return True
            except AssertionError:
                return False
        wait_until(healthy, 30, "etcd over TLS to report healthy", interval=0.2)
        for args in (("user", "add", "root:root-pass"), ("user", "grant-role", "root", "root"),
                     ("user", "add", f"pgfloat:{self.PASSWORD}"), ("role", "add", "patroni-read"),
                     ("role", "grant-permission", "patroni-read", "--prefix=true", "read", f"{self.prefix}/"),
                     ("user", "grant-role", "pgfloat", "patroni-read"), ("auth", "enable")):
            self.etcdctl(*args, root=False)
        return self

    def put(self, key: str, value: str) -> None:
        self.etcdctl("put", f"{self.prefix}/{key}", value)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def test_store_over_tls_with_a_client_certificate_and_a_password(cluster, pgfloat, port, admin_dir, etcd_installed):
    psql(cluster.primary.port, CREATE_TABLE)
    base = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-tls-"))
    scope = f"dcs-tls-{uuid.uuid4().hex[:8]}"
    store = SecureEtcd(base, f"{STATIC_NAMESPACE}/{scope}")
    try:
        make_certificates(base)
        store.start()
        for name, role in (("primary", "primary"), ("standby1", "replica")):
            record = {"conn_url": f"postgres://{HOST}:{cluster.nodes[name].port}/postgres", "state": "running",
                      "role": role}
            store.put(f"members/{MEMBER_OF[name]}", json.dumps(record))
        store.put("leader", MEMBER_OF["primary"])
        good, bad = base / "etcd.pass", base / "wrong.pass"
        good.write_text(SecureEtcd.PASSWORD + "\n")
        bad.write_text("not-the-password\n")

        def start(password_file: Path) -> PGFloat:
            pport, sock = port(), admin_dir / f"{password_file.stem}.sock"
            names = list(MEMBER_OF)
            dcs = {"endpoints": [store.url], "namespace": STATIC_NAMESPACE, "scope": scope,
                   "ca_file": str(base / "ca.pem"), "cert_file": str(base / "client.pem"),
                   "key_file": str(base / "client.key"), "username": "pgfloat",
                   "password_file": str(password_file), "timeout": "1s"}
            config = pgfloat_config([server(n, cluster.nodes[n].port) for n in names],
                                    [listener("postgres_primary", pport, names, balance="first", role="primary")],
                                    check=STATIC_CHECK, dcs=dcs, global_={"admin_socket": str(sock)},
                                    defaults={"timeout_queue": "1s"})
            pf = pgfloat(config, ports=[pport])
            pf.primary_port, pf.sock = pport, sock
            return pf

        pf = start(good)
        wait_dcs(pf.sock, 15, "pgfloat to read the store over TLS", state="connected", endpoint=store.url,
                 leader="alpha", leader_server="primary", writes="leader")
        wait_until(lambda: write_once(pf.primary_port) == str(cluster.primary.port), 15,
                   "writes through pgfloat to land on the primary")
        # The watch runs with the same login: a new key arrives through it.
        store.put("leader", MEMBER_OF["standby1"])
        wait_dcs(pf.sock, 5, "the watch to report the new leader", leader="bravo", leader_server="standby1")

        # A reload naming a key file that is no key: the watch it has keeps running.
        garbage = base / "garbage.key"
        garbage.write_text("not a PEM key\n")
        assert pf.reload(pf.config_path.read_text().replace(str(base / "client.key"), str(garbage))) == "applied"
        wait_until(lambda: f"cannot load key_file {garbage}" in pf.log_text(), 5, "the refused key file to be logged")
        store.put("leader", MEMBER_OF["primary"])
        wait_dcs(pf.sock, 5, "the kept watch to follow the key", state="connected", leader="alpha")

        refused = start(bad)
        text = wait_until(lambda: "dcs unreachable" in (t := refused.log_text()) and t, 10,
                          "pgfloat with a wrong password to report the store unreachable")
        assert "authenticate" in text, refused.log_tail()
        assert show_dcs(refused.sock)["state"] == "connecting"
        for secret in (SecureEtcd.PASSWORD, "not-the-password"):
            assert secret not in text and secret not in pf.log_text(), "a password reached the log"
    finally:
        store.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_an_expired_auth_token_is_renewed_without_losing_the_store(cluster, pgfloat, port, admin_dir,
                                                                     etcd_installed):
    """JWT auth tokens expire after their ttl however much they are used: the liveness probe's read is refused
    (HTTP 401) and must log in again, not count the store lost and drop the watch."""
    base = Path(tempfile.mkdtemp(prefix="pgfloat-dcs-jwt-"))
    scope = f"dcs-jwt-{uuid.uuid4().hex[:8]}"
    store = None
    try:
        make_certificates(base)
        openssl("genrsa", "-out", "jwt.key", "2048", cwd=base)
        openssl("rsa", "-in", "jwt.key", "-pubout", "-out", "jwt.pub", cwd=base)
        token = f"jwt,pub-key={base / 'jwt.pub'},priv-key={base / 'jwt.key'},sign-method=RS256,ttl=2s"
        store = SecureEtcd(base, f"{STATIC_NAMESPACE}/{scope}", auth_token=token)
        store.start()
        for name, role in (("primary", "primary"), ("standby1", "replica")):
            record = {"conn_url": f"postgres://{HOST}:{cluster.nodes[name].port}/postgres", "state": "running",
                      "role": role}
            store.put(f"members/{MEMBER_OF[name]}", json.dumps(record))
        store.put("leader", MEMBER_OF["primary"])
        password = base / "etcd.pass"
        password.write_text(SecureEtcd.PASSWORD + "\n")
        sock = admin_dir / "jwt.sock"
        names = list(MEMBER_OF)
        dcs = {"endpoints": [store.url], "namespace": STATIC_NAMESPACE, "scope": scope,
               "ca_file": str(base / "ca.pem"), "cert_file": str(base / "client.pem"),
               "key_file": str(base / "client.key"), "username": "pgfloat", "password_file": str(password),
               "timeout": "1s"}
        config = pgfloat_config([server(n, cluster.nodes[n].port) for n in names],
                                [listener("postgres_primary", port(), names, balance="first", role="primary")],
                                check=STATIC_CHECK, dcs=dcs, global_={"admin_socket": str(sock)})
        pf = pgfloat(config)
        first = wait_dcs(sock, 15, "pgfloat to read the store", state="connected", leader="alpha")
        # The probe reads every second with a token that lives 2 s: renewed several times over.
        wait_until(lambda: pf.log_text().count("dcs token renewed") >= 3, 20, "three token renewals")
        fields = show_dcs(sock)
        assert fields["state"] == "connected" and counter(fields, "reconnects") == counter(first, "reconnects"), \
            fields
        assert "dcs lost" not in pf.log_text(), pf.log_tail()
        # The watch, created with the first token, goes on delivering.
        store.put("leader", MEMBER_OF["standby1"])
        wait_dcs(sock, 5, "the watch to report the new leader", leader="bravo", leader_server="standby1")
        print(f"\njwt ttl 2s: {pf.log_text().count('dcs token renewed')} renewals, "
              f"reconnects {fields['reconnects']}", flush=True)
    finally:
        if store is not None:
            store.stop()
        shutil.rmtree(base, ignore_errors=True)
