"""Write safety across failovers (issue 16): does any acknowledged write end up off the surviving primary's timeline?

    Writer        one per proxy ("contender"): every 50 ms a fresh psql connection through the proxy inserts the next
                  unique id and returns inet_server_port(); records when each attempt started and ended, and which
                  server acknowledged it (None: refused or failed)
    Count         acknowledged, lost (acknowledged, but not on the surviving primary) and refused per scenario
    LeaderKey     the test plays Patroni for `[dcs]` contenders: the leader key names the new primary before the
                  promotion, as Patroni writes it before it promotes
    promote_and_die   scenarios (a) and (b) on a primary + standby1 harness.PGCluster
    switchover        scenario (d), under a pgbench load through each contender
    cut_off_from_etcd scenario (c) on a real Patroni cluster whose nodes reach etcd through EtcdRelays

Scenario (a): a "careful" manual promotion, the way `patronictl switchover` orders it: the leader key first (when
there is a store), then the standby replays the primary's current WAL position, then it is promoted. The old
primary is left up and writable, as a primary that nobody fenced. With asynchronous replication, what the old
primary acknowledges after the promotion is not on the new timeline: a proxy has to stop sending it writes before
that. Without a store nothing tells a proxy about the promotion before its next check of the promoted server, so a
check-only proxy loses the writes of that window; the report says how long it was (`window`).
Scenario (b): then the new primary dies while the old one (older timeline) is still up: no write may go back to it.
Scenario (c): a real Patroni failover in which the leader's Patroni is cut off from etcd (a relay between them closes
its connections) while its PostgreSQL and REST API stay reachable by the proxies: Patroni demotes it after
retry_timeout, the leader key expires after ttl, and another member takes the key and promotes.
Scenario (d): a switchover under pgbench: the leader key moves, the old primary shuts down cleanly (its last WAL
reaches the standby), the standby is promoted.

Used by test_write_safety.py (bounded, pgfloat only) and bench/write_safety.py (every contender, the README table).
All instants are time.monotonic() in the calling process; everything listens on 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from harness import HOST, PG_BIN, client_env, free_port, run_psql, wait_until

TABLE = "write_safety"
CREATE_TABLES = (f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, contender text); "
                 f"CREATE TABLE {TABLE}_load (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())")
PERIOD = 0.05           # one attempt every 50 ms per contender
ATTEMPT_TIMEOUT = 40.0  # longer than any timeout_queue used with it: an attempt ends by itself
IDS_PER_CONTENDER = 1_000_000


class Attempt(NamedTuple):
    started: float
    ended: float
    port: int | None    # the server that acknowledged the INSERT; None when it failed
    error: str


class Writer:
    """Every PERIOD, a thread of its own opens a fresh connection through `port` and inserts the next id (so a
    client waiting in a proxy's queue does not hold back the next one). Ids are `base + n`, so several writers can
    share one table. The sessions carry application_name `ws-<label>`."""

    def __init__(self, label: str, port: int, base: int):
        self.label, self.port, self.base = label, port, base
        self.appname = f"ws-{label}"
        self._attempts: dict[int, Attempt] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._loop = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Writer":
        self._loop.start()
        return self

    def _run(self) -> None:
        next_id, tick = self.base + 1, time.monotonic()
        while not self._stop.is_set():
            worker = threading.Thread(target=self._attempt, args=(next_id,), daemon=True)
            worker.start()
            self._threads.append(worker)
            next_id += 1
            tick += PERIOD
            self._stop.wait(max(0.0, tick - time.monotonic()))

    def _attempt(self, id_: int) -> None:
        started = time.monotonic()
        sql = f"INSERT INTO {TABLE} VALUES ({id_}, '{self.label}') RETURNING inet_server_port()"
        try:
            # synchronous_commit on for these sessions (the harness's clusters run with it off): an acknowledged
            # id is then in the WAL on disk, so pg_current_wal_lsn() (the write position, which an asynchronous
            # commit can be ahead of) covers it in catch_up, and a server stopped with `-m immediate` keeps it.
            env = client_env(PGAPPNAME=self.appname, PGOPTIONS="-c synchronous_commit=on")
            r = run_psql(self.port, sql, timeout=ATTEMPT_TIMEOUT, env=env)
            out = r.stdout.split()  # the port, then psql's command tag (INSERT 0 1)
            ok = r.returncode == 0 and bool(out) and out[0].isdigit()
            attempt = Attempt(started, time.monotonic(), int(out[0]) if ok else None,
                              "" if ok else (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1])
        except subprocess.TimeoutExpired:
            attempt = Attempt(started, time.monotonic(), None, "psql timed out")
        with self._lock:
            self._attempts[id_] = attempt

    def halt(self) -> None:
        """Stops starting attempts (several writers are halted together, then stopped)."""
        self._stop.set()

    def stop(self) -> dict[int, Attempt]:
        """Stops starting attempts, waits for those under way, returns every attempt by id."""
        self.halt()
        self._loop.join(5)
        for worker in self._threads:
            worker.join(ATTEMPT_TIMEOUT + 5)
        return self.attempts()

    def attempts(self) -> dict[int, Attempt]:
        with self._lock:
            return dict(self._attempts)

    def acked_on_after(self, port: int, instant: float) -> bool:
        return any(a.port == port and a.started > instant for a in self.attempts().values())


@dataclass
class Count:
    """One contender's outcome in one scenario."""
    attempts: int
    acknowledged: int
    lost: list[int]          # acknowledged ids missing from the surviving primary
    refused: int             # attempts that failed (the client saw an error)
    by_server: dict[int, int]    # acknowledged per server port
    lost_by_server: dict[int, int]
    window: float | None = None   # the old primary's last acknowledgement, seconds after window_from
    window_from: str = ""

    def line(self) -> str:
        servers = ", ".join(f"{port}: {n}, lost {self.lost_by_server.get(port, 0)}"
                            for port, n in sorted(self.by_server.items()))
        window = "" if self.window is None else f", old primary's last ack {self.window:+.3f}s after {self.window_from}"
        return (f"attempts {self.attempts}, acknowledged {self.acknowledged} ({servers}), lost {len(self.lost)}, "
                f"refused {self.refused}{window}")


def count(attempts: dict[int, Attempt], survivors: set[int]) -> Count:
    acked = {i: a.port for i, a in attempts.items() if a.port is not None}
    lost = sorted(i for i in acked if i not in survivors)
    return Count(len(attempts), len(acked), lost, len(attempts) - len(acked), tally(acked.values()),
                 tally(acked[i] for i in lost))


def tally(ports) -> dict[int, int]:
    counted: dict[int, int] = {}
    for port in ports:
        counted[port] = counted.get(port, 0) + 1
    return counted


def ids_on(port: int) -> set[int]:
    r = run_psql(port, f"SELECT id FROM {TABLE}", timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"reading the ids on {port}: {r.stderr.strip()}")
    return {int(x) for x in r.stdout.split()}


class LeaderKey:
    """Patroni's leader key for one scope in an etcd (patroni_harness.Etcd); member names are the server names."""

    def __init__(self, etcd, prefix: str):
        self.etcd, self.prefix = etcd, prefix

    def set(self, member: str) -> None:
        self.etcd.put(f"{self.prefix}/leader", member)


@dataclass
class Contender:
    """A proxy in front of the cluster: its writer, and whether it follows the leader key."""
    label: str
    port: int
    follows_store: bool = False
    writer: Writer | None = None
    pgbench: subprocess.Popen | None = None
    pgbench_output: str = ""

    @property
    def load_appname(self) -> str:
        return f"ws-load-{self.label}"


@dataclass
class Outcome:
    """Per contender label, per scenario letter, the Count; plus the instants the report relates to."""
    counts: dict[str, dict[str, Count]] = field(default_factory=dict)
    events: dict[str, float] = field(default_factory=dict)
    load: dict[str, str] = field(default_factory=dict)   # (d): pgbench's summary per contender


def start_writers(contenders: list[Contender]) -> None:
    for n, c in enumerate(contenders):
        c.writer = Writer(c.label, c.port, (n + 1) * IDS_PER_CONTENDER).start()


def stop_writers(contenders: list[Contender]) -> dict[str, dict[int, Attempt]]:
    for c in contenders:
        c.writer.halt()
    return {c.label: c.writer.stop() for c in contenders}


def wait_warm(contenders: list[Contender], port: int, timeout: float = 30) -> None:
    start = time.monotonic()
    for c in contenders:
        wait_until(lambda: c.writer.acked_on_after(port, start - 1), timeout,
                   f"{c.label}'s writer to get an acknowledgement from {port}")


def drain_store_followers(cluster, node: str, contenders: list[Contender], key: LeaderKey | None,
                          member: str) -> None:
    """Names the new leader in the store, then waits until no session of a contender that follows the store is
    left on `node` (the old primary): the proxy holds new ones in its queue and closed the open ones."""
    if key is None:
        return
    key.set(member)
    names = ", ".join(f"'{app}'" for c in contenders if c.follows_store for app in (c.writer.appname, c.load_appname))
    if names:
        sql = f"SELECT count(*) FROM pg_stat_activity WHERE application_name IN ({names})"
        wait_until(lambda: cluster.psql(node, sql) == "0", 10,
                   f"the store-following proxies to leave {node} once the leader key names {member}",
                   interval=0.02)


def observe(seconds: float) -> None:
    """The writers run on for a fixed time: what happens during it is the measurement, not a condition to wait
    for (a steady state on the new primary, or the time after it died, longer than any timeout_queue)."""
    time.sleep(seconds)


def promote_watched(cluster, node: str, timeout: float = 30) -> float:
    """`pg_ctl promote` without waiting, then polls pg_is_in_recovery() directly: the instant it answers f."""
    cluster.promote_nowait(node)
    return wait_promoted(cluster.nodes[node].port, timeout, node)


def wait_promoted(port: int, timeout: float, name: str) -> float:
    """Polls pg_is_in_recovery() on port until it answers f; returns when that poll started (psql's own start-up
    takes a while on a loaded machine: the end of the poll would place the promotion too late)."""
    def promoted():
        started = time.monotonic()
        r = run_psql(port, "SELECT pg_is_in_recovery()", timeout=5)
        return started if r.returncode == 0 and r.stdout.strip() == "f" else None
    return wait_until(promoted, timeout, f"{name} to leave recovery", interval=0.01)


def catch_up(cluster, primary: str, standby: str, timeout: float = 15) -> None:
    """The standby replays everything the primary has written so far (what Patroni checks before a switchover)."""
    lsn = cluster.psql(primary, "SELECT pg_current_wal_lsn()")
    wait_until(lambda: cluster.psql(standby, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t", timeout,
               f"{standby} to replay {primary}'s WAL up to {lsn}", interval=0.02)


def promote_and_die(cluster, contenders: list[Contender], key: LeaderKey | None, *, steady: float = 2.0,
                    dead: float = 5.0) -> Outcome:
    """Scenarios (a) and (b) on a cluster with nodes `primary` and `standby1` and the table made. `steady`: seconds
    of writes on the new primary once every contender reached it; `dead`: seconds of writes after it died (more
    than the contenders' timeout_queue, so queued clients are refused within it)."""
    old, new = cluster.nodes["primary"].port, cluster.nodes["standby1"].port
    out = Outcome()
    start_writers(contenders)
    try:
        wait_warm(contenders, old)
        # (a) the leader key first (Patroni's order), then the standby catches up, then the promotion.
        drain_store_followers(cluster, "primary", contenders, key, "standby1")
        catch_up(cluster, "primary", "standby1")
        out.events["promote"] = promote_started = time.monotonic()
        out.events["promoted"] = promoted = promote_watched(cluster, "standby1")
        for c in contenders:
            wait_until(lambda: c.writer.acked_on_after(new, promoted), 30,
                       f"{c.label} to send a write to the promoted standby1")
        observe(steady)
        # (b) the new primary dies; the old one, on the older timeline, is still up and writable.
        out.events["died"] = died = time.monotonic()
        cluster.stop("standby1", mode="immediate")
        observe(dead)
    finally:
        attempts = stop_writers(contenders)
    cluster.start("standby1")  # its data is the new timeline's: the one every acknowledged id must be on
    survivors = ids_on(new)
    for c in contenders:
        mine = attempts[c.label]
        a = count({i: t for i, t in mine.items() if t.started < died}, survivors)
        old_acks = [t.ended for t in mine.values() if t.port == old and t.started < died]
        a.window, a.window_from = (max(old_acks) - promote_started if old_acks else None), "pg_ctl promote"
        b = count({i: t for i, t in mine.items() if t.started >= died}, survivors)
        out.counts[c.label] = {"a": a, "b": b}
    return out


def pgbench_load(port: int, appname: str, seconds: float, script: Path, clients: int = 2) -> subprocess.Popen:
    """pgbench through a contender: `clients` sessions, a new connection per transaction (so the load follows the
    proxy's routing). A client whose connection fails is aborted by pgbench; the rest go on."""
    return subprocess.Popen(
        [str(PG_BIN / "pgbench"), "-n", "-C", "-c", str(clients), "-j", "1", "-T", str(int(seconds)),
         "-h", HOST, "-p", str(port), "-U", "postgres", "-f", str(script), "postgres"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=client_env(PGAPPNAME=appname))


def switchover(cluster, contenders: list[Contender], key: LeaderKey | None, script_dir: Path, *,
               steady: float = 2.0, load_seconds: float = 20) -> Outcome:
    """Scenario (d) on a fresh primary + standby1 cluster with the tables made: under pgbench through every
    contender, the leader key names standby1, the old primary shuts down cleanly (`-m fast`: its last WAL reaches
    the standby) and standby1 is promoted."""
    new = cluster.nodes["standby1"].port
    script = script_dir / "write-safety-load.sql"
    script.write_text(f"INSERT INTO {TABLE}_load DEFAULT VALUES;\n")
    out = Outcome()
    start_writers(contenders)
    for c in contenders:
        c.pgbench = pgbench_load(c.port, c.load_appname, load_seconds, script)
    try:
        wait_warm(contenders, cluster.nodes["primary"].port)
        drain_store_followers(cluster, "primary", contenders, key, "standby1")
        out.events["switchover"] = time.monotonic()
        cluster.stop("primary", mode="fast")
        out.events["promoted"] = promoted = promote_watched(cluster, "standby1")
        for c in contenders:
            wait_until(lambda: c.writer.acked_on_after(new, promoted), 30,
                       f"{c.label} to send a write to the promoted standby1")
        observe(steady)
    finally:
        attempts = stop_writers(contenders)
        for c in contenders:
            try:
                stdout, stderr = c.pgbench.communicate(timeout=load_seconds + 30)
            except subprocess.TimeoutExpired:
                c.pgbench.kill()
                stdout, stderr = c.pgbench.communicate()
            c.pgbench_output = stdout + stderr
    survivors = ids_on(new)
    for c in contenders:
        out.counts[c.label] = {"d": count(attempts[c.label], survivors)}
        lines = c.pgbench_output.splitlines()
        aborted = [line.strip() for line in lines if "aborted" in line and "client" in line]
        out.load[c.label] = ", ".join([line.strip() for line in lines
                                       if line.startswith("number of transactions actually processed")]
                                      + [f"{len(aborted)} clients aborted"] + aborted[:1])
    return out


class EtcdRelays:
    """One TCP relay to etcd per Patroni node (`PatroniCluster(etcd_via=relays.via)`), so that one node's Patroni can
    be cut off from etcd while its PostgreSQL and REST API stay reachable: `cut(name)` closes that node's
    connections, and from then on every new one as soon as it is accepted, as a firewall rejecting them would."""

    def __init__(self):
        self._lock = threading.Lock()
        self._listeners: list[socket.socket] = []
        self._conns: dict[str, list[socket.socket]] = {}
        self._cut: set[str] = set()
        self._closed = False

    def via(self, name: str, etcd_port: int) -> str:
        listening = socket.create_server((HOST, free_port()))
        self._listeners.append(listening)
        threading.Thread(target=self._accept, args=(name, listening, etcd_port), daemon=True).start()
        return f"{HOST}:{listening.getsockname()[1]}"

    def _accept(self, name: str, listening: socket.socket, etcd_port: int) -> None:
        while True:
            try:
                client, _ = listening.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection((HOST, etcd_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                refused = self._closed or name in self._cut
                if not refused:
                    self._conns.setdefault(name, []).extend([client, upstream])
            if refused:
                self._drop([client, upstream])
                continue
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):  # either side gone: end both directions
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def _drop(sockets: list[socket.socket]) -> None:
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self, name: str) -> None:
        with self._lock:
            self._cut.add(name)
            conns = self._conns.pop(name, [])
        self._drop(conns)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns = [s for group in self._conns.values() for s in group]
            self._conns.clear()
        for listening in self._listeners:
            listening.close()
        self._drop(conns)


def cut_off_from_etcd(cluster, relays: EtcdRelays, contenders: list[Contender], *, steady: float = 2.0,
                      timeout: float = 90) -> Outcome:
    """Scenario (c) on a healthy PatroniCluster built with `etcd_via=relays.via`, the table made on every node: the
    leader's Patroni is cut off from etcd; the writers run until every contender has written to the member that
    took over, and `steady` seconds more. Counted against the new leader's rows; `window` is the old leader's last
    acknowledgement after the cut."""
    leader = cluster.leader()
    old = cluster.nodes[leader].pg_port
    out = Outcome()
    start_writers(contenders)
    try:
        wait_warm(contenders, old)
        out.events["cut"] = cut = time.monotonic()
        relays.cut(leader)
        successor = wait_until(lambda: (name := cluster.leader()) not in (None, leader) and name, timeout,
                               f"another member than {leader} to take the leader key", interval=0.05)
        out.events["leader key"] = time.monotonic()
        new = cluster.nodes[successor].pg_port
        out.events["promoted"] = promoted = wait_promoted(new, timeout, successor)
        for c in contenders:
            wait_until(lambda: c.writer.acked_on_after(new, promoted), 30,
                       f"{c.label} to send a write to the new leader {successor}")
        observe(steady)
    finally:
        attempts = stop_writers(contenders)
    survivors = ids_on(new)
    for c in contenders:
        mine = attempts[c.label]
        c_count = count(mine, survivors)
        old_acks = [t.ended for t in mine.values() if t.port == old]
        c_count.window, c_count.window_from = (max(old_acks) - cut if old_acks else None), "the cut"
        out.counts[c.label] = {"c": c_count}
    return out
