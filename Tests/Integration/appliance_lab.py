"""The whole appliance in network namespaces: three PostgreSQL 15 nodes, three pgfloat proxies, one client.

Shared by `make demo` (demo/run_demo.py) and the end-to-end suite (test_e2e.py).

    Appliance      builds and drives the lab (see the layout below); a context manager
    PgWire         a tiny PostgreSQL wire-protocol client (trust auth, simple queries)
    LoadGenerator  writes (INSERT via VIP:5432, one kept connection, reconnecting) and reads
                   (a fresh connection per SELECT via VIP:5433) every 100 ms from the client
    Window         what the load saw between two instants: successes, failures, longest gap

Layout (everything in namespaces netns_lab.Lab creates; the bridges live in its switch namespace):

    segment "lan" (10.77.X.0/24)  p1 p2 p3 (eth0) + client; the VIP is .200
    segment "db"  (10.78.X.0/24)  db1 db2 db3 (eth0, PostgreSQL on :5432) + p1 p2 p3 (eth1)

PostgreSQL runs as OS user postgres (runuser) inside its host's namespace, data in a temp folder owned by
postgres, trust authentication for the db subnet (a lab). db1 starts as the primary, db2 and db3 stream from it
(pg_basebackup -R). Every proxy runs pgfloat with native `pgsql` checks, listeners postgres_primary (5432, role
primary, first, on_marked_down shutdown-sessions) and postgres_replicas (5433, role replica, roundrobin), an
admin socket, stats on its lan address :9187 and one [[vrrp]] instance (priorities 100/90/80) whose notify hook
appends every transition to a log.

Safety: nothing touches the root namespace's interfaces; every process is stopped by PID (PostgreSQL by its
data directory through pg_ctl, then the namespace sweep); every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import PG_BIN, pgfloat_bin, pgfloat_env, wait_until
from netns_lab import Lab, apt_install, call_in_netns, ensure_packages, enter_netns

DB_NODES = ("db1", "db2", "db3")
PROXIES = ("p1", "p2", "p3")
PRIORITIES = {"p1": 100, "p2": 90, "p3": 80}
PG_PORT = 5432
RW_PORT, RO_PORT, STATS_PORT = 5432, 5433, 9187
PG_PACKAGES = {"pg_ctl": "postgresql-15", "psql": "postgresql-client-15"}


def appliance_unavailable() -> str | None:
    """Why the appliance cannot run here (None if it can)."""
    if os.geteuid() != 0:
        return "the appliance lab needs root (network namespaces, runuser)"
    reason = ensure_packages({"ip": "iproute2", "runuser": "util-linux", "psql": "postgresql-client-15"})
    if reason:
        return reason
    if not (PG_BIN / "pg_ctl").exists():
        reason = apt_install("postgresql-15", "postgresql-client-15")
        if reason:
            return reason
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no OS user postgres (install postgresql-15)"
    if not pgfloat_bin().is_file():
        return f"pgfloat binary not found at {pgfloat_bin()} (build it, or set PGFLOAT_BIN)"
    return None


# ---------------------------------------------------------------------------
# a tiny PostgreSQL client (protocol 3.0, trust auth, simple query)
# ---------------------------------------------------------------------------

class PgError(Exception):
    def __init__(self, sqlstate: str, message: str):
        super().__init__(f"{sqlstate} {message}")
        self.sqlstate, self.message = sqlstate, message


class PgWire:
    """One connection. Sockets belong to the namespace of the thread that calls connect()."""

    def __init__(self, address: str, port: int, timeout: float = 2.0, user: str = "postgres",
                 database: str = "postgres", appname: str = "pgfloat-demo"):
        self.sock = socket.create_connection((address, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        try:
            params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in
                              (("user", user), ("database", database), ("application_name", appname)))
            body = struct.pack("!I", 196608) + params + b"\0"
            self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
            for _ in range(1000):
                typ, payload = self._message()
                if typ == b"R" and struct.unpack("!I", payload[:4])[0] != 0:
                    raise PgError("28000", "only trust authentication is supported by this client")
                if typ == b"E":
                    raise _error(payload)
                if typ == b"Z":
                    return
            raise PgError("08P01", "no ReadyForQuery")
        except BaseException:
            self.close()
            raise

    def _recv_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _message(self) -> tuple[bytes, bytes]:
        head = self._recv_exact(5)
        length = struct.unpack("!I", head[1:])[0]
        return head[:1], self._recv_exact(length - 4)

    def query(self, sql: str) -> list[tuple]:
        """Rows as tuples of str/None; raises PgError on an error response."""
        data = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(data) + 4) + data)
        rows: list[tuple] = []
        error: PgError | None = None
        for _ in range(1_000_000):
            typ, payload = self._message()
            if typ == b"D":
                n = struct.unpack("!H", payload[:2])[0]
                off, row = 2, []
                for _ in range(n):
                    ln = struct.unpack("!i", payload[off:off + 4])[0]
                    off += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(payload[off:off + ln].decode())
                        off += ln
                rows.append(tuple(row))
            elif typ == b"E":
                error = _error(payload)
            elif typ == b"Z":
                if error:
                    raise error
                return rows
        raise PgError("08P01", "query never finished")

    def close(self) -> None:
        try:
            self.sock.sendall(b"X\0\0\0\4")
        except OSError:
            pass
        self.sock.close()


def _error(payload: bytes) -> PgError:
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[part[:1]] = part[1:].decode(errors="replace")
    return PgError(fields.get(b"C", "?????"), fields.get(b"M", ""))


# ---------------------------------------------------------------------------
# client load
# ---------------------------------------------------------------------------

@dataclass
class Op:
    t: float            # monotonic start
    kind: str           # "write" or "read"
    ok: bool
    server: str = ""    # inet_server_addr() of the node that answered
    error: str = ""
    latency: float = 0.0


@dataclass
class Window:
    kind: str
    start: float
    end: float
    ok: int
    failed: int
    longest_gap: float          # longest time between two successes overlapping the window
    servers: dict[str, int]     # successes per node name
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        spread = ", ".join(f"{k}={v}" for k, v in sorted(self.servers.items())) or "-"
        errs = f"; errors: {'; '.join(self.errors[:3])}" if self.errors else ""
        return (f"{self.kind:5s}: {self.ok} ok, {self.failed} failed, longest gap between successes "
                f"{self.longest_gap * 1000:.0f} ms; served by {spread}{errs}")


class LoadGenerator:
    """Writes and reads every `interval` from the client namespace, each op bounded by `timeout`.

    Writes keep one connection to VIP:5432 and reconnect after any failure; reads open a fresh
    connection to VIP:5433 per SELECT (so the round-robin shows). Each op is recorded with the
    database node that answered it.
    """

    def __init__(self, app: "Appliance", interval: float = 0.1, timeout: float = 1.0,
                 max_duration: float = 3600):
        self.app, self.interval, self.timeout, self.max_duration = app, interval, timeout, max_duration
        self.ops: list[Op] = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = {"write": threading.Event(), "read": threading.Event()}
        self._threads = [threading.Thread(target=self._loop, args=(k,), name=f"load-{k}", daemon=True)
                         for k in ("write", "read")]

    def start(self) -> "LoadGenerator":
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(self.timeout * 3 + 5)

    def _loop(self, kind: str) -> None:
        try:
            enter_netns(self.app.lab.ns("client"))
        except OSError as e:
            self.ops.append(Op(time.monotonic(), kind, False, error=f"setns: {e}"))
            return
        vip, names = self.app.vip, self.app.name_of_address
        conn: PgWire | None = None
        started = next_t = time.monotonic()
        for _ in range(int(self.max_duration / self.interval) + 1):
            if self._stop.is_set() or time.monotonic() - started > self.max_duration:
                break
            t0 = time.monotonic()
            try:
                if kind == "write":
                    if conn is None:
                        conn = PgWire(vip, RW_PORT, self.timeout, appname="demo-writer")
                    # `sent`: the client's wall clock when it issued the write (split-brain checks).
                    rows = conn.query(f"INSERT INTO demo_load(kind, sent) VALUES ('w', {time.time():.6f}) "
                                      "RETURNING host(inet_server_addr())")
                else:
                    c = PgWire(vip, RO_PORT, self.timeout, appname="demo-reader")
                    try:
                        rows = c.query("SELECT host(inet_server_addr()), pg_is_in_recovery()")
                    finally:
                        c.close()
                op = Op(t0, kind, True, names.get(rows[0][0], rows[0][0]))
            except (OSError, PgError, ConnectionError, struct.error) as e:
                if conn is not None:
                    conn.close()
                    conn = None
                op = Op(t0, kind, False, error=f"{type(e).__name__}: {e}"[:120])
            op.latency = time.monotonic() - t0
            with self.lock:
                self.ops.append(op)
            next_t += self.interval
            delay = next_t - time.monotonic()
            if delay < 0:
                next_t, delay = time.monotonic(), 0
            self._stop.wait(delay)
        if conn is not None:
            conn.close()

    def window(self, kind: str, start: float, end: float | None = None) -> Window:
        end = time.monotonic() if end is None else end
        with self.lock:
            ops = sorted((o for o in self.ops if o.kind == kind), key=lambda o: o.t)
        inside = [o for o in ops if start <= o.t <= end]
        oks = [o.t for o in ops if o.ok]
        gap = 0.0
        for a, b in zip(oks, oks[1:]):
            if b > start and a < end:
                gap = max(gap, b - a)
        # Still failing at the end of the window: count to the end.
        before_end = [t for t in oks if t <= end]
        if before_end and not any(t > end for t in oks) and any(not o.ok for o in inside if o.t > before_end[-1]):
            gap = max(gap, end - before_end[-1])
        servers: dict[str, int] = {}
        for o in inside:
            if o.ok:
                servers[o.server] = servers.get(o.server, 0) + 1
        return Window(kind, start, end, sum(o.ok for o in inside), sum(not o.ok for o in inside), gap,
                      servers, sorted({o.error for o in inside if o.error}))

    def successes(self, kind: str, since: float, server: str | None = None) -> int:
        with self.lock:
            return sum(1 for o in self.ops if o.kind == kind and o.ok and o.t >= since
                       and (server is None or o.server == server))


# ---------------------------------------------------------------------------
# the appliance
# ---------------------------------------------------------------------------

NOTIFY_SCRIPT = """#!/bin/sh
# pgfloat notify hook: $1 is the proxy (given in the config), then keepalived's INSTANCE NAME STATE PRIORITY.
echo "$(date +%H:%M:%S.%3N) $1 $3 $4 priority=$5" >> "{log}"
"""


class Appliance:
    """Build with Appliance(...).build(); close() (or `with`) tears everything down."""

    def __init__(self, binary: Path | None = None, advert_interval: str = "1s", timeout_queue: str = "10s",
                 slowstart: str = "0s", log=None, name: str = "appliance"):
        self.binary = Path(binary or pgfloat_bin())
        self.advert_interval, self.timeout_queue, self.slowstart = advert_interval, timeout_queue, slowstart
        self.log = log or (lambda msg: None)
        self.lab = Lab(name)
        # Under /run (root, 0755): pgfloat refuses notify scripts in a tree others can write.
        self.work = Path(tempfile.mkdtemp(prefix=f"pgfloat-{self.lab.prefix}", dir="/run"))
        self.pgbase = Path(tempfile.mkdtemp(prefix=f"pgfloat-{self.lab.prefix}pg-"))
        pw = pwd.getpwnam("postgres")
        self._uid, self._gid = pw.pw_uid, pw.pw_gid
        os.chown(self.pgbase, self._uid, self._gid)
        self.proxies: dict[str, subprocess.Popen | None] = {p: None for p in PROXIES}
        self.primary = "db1"
        self.followers: dict[str, str] = {}   # standby -> upstream
        self.vip = ""
        self.name_of_address: dict[str, str] = {}
        self.load: LoadGenerator | None = None
        self._closed = False

    # -- context manager ------------------------------------------------
    def __enter__(self) -> "Appliance":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- addresses ------------------------------------------------------
    def db_addr(self, node: str) -> str:
        return self.lab.address(node, "eth0")

    def lan_addr(self, proxy: str) -> str:
        return self.lab.address(proxy, "eth0")

    def stats_url(self, proxy: str, path: str = "/stats") -> str:
        return f"http://{self.lan_addr(proxy)}:{STATS_PORT}{path}"

    def admin_socket(self, proxy: str) -> Path:
        return self.work / f"{proxy}.sock"

    def notify_log(self) -> Path:
        return self.work / "vrrp-transitions.log"

    def proxy_log(self, proxy: str) -> str:
        proc = self.proxies.get(proxy)
        path = getattr(proc, "log_path", None)
        return Path(path).read_text(errors="replace") if path and Path(path).exists() else ""

    # -- building -------------------------------------------------------
    def build(self) -> "Appliance":
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def _build(self) -> None:
        t0 = time.monotonic()
        for node in DB_NODES:
            self.lab.add_host(node, subnet="db")
        for proxy in PROXIES:
            self.lab.add_host(proxy)                    # eth0 on the lan
            self.lab.add_link(proxy, "eth1", "db")      # eth1 on the db segment
        self.lab.add_host("client")
        self.vip = self.lab.vip()
        self.name_of_address = {self.db_addr(n): n for n in DB_NODES}
        self.db_subnet = str(self.lab.segments["db"].network)
        self.log(f"network: lan {self.lab.segments['lan'].network} (proxies, client, VIP {self.vip}), "
                 f"db {self.db_subnet} (PostgreSQL, proxies' eth1); namespaces {self.lab.prefix}*")
        self._init_primary("db1")
        for node in ("db2", "db3"):
            self._basebackup(node, "db1")
        self.pg_start("db2")
        self.pg_start("db3")
        wait_until(lambda: self.streaming_count("db1") >= 2, 60, "db2 and db3 to stream from db1")
        self.followers = {"db2": "db1", "db3": "db1"}
        self.sql("db1", "CREATE TABLE demo_load (id bigserial PRIMARY KEY, kind text, "
                        "at timestamptz DEFAULT clock_timestamp(), sent double precision, "
                        "node text DEFAULT host(inet_server_addr()))")
        self.log(f"PostgreSQL 15: db1 primary, db2 and db3 streaming ({time.monotonic() - t0:.1f}s)")
        self.notify_log().touch()
        script = self.work / "notify.sh"
        script.write_text(NOTIFY_SCRIPT.format(log=self.notify_log()))
        script.chmod(0o755)
        for proxy in PROXIES:
            (self.work / f"{proxy}.toml").write_text(self.config(proxy))
            self.start_proxy(proxy)
        wait_until(lambda: self.vip_holders() == ["p1"], 15, "p1 to hold the VIP")
        wait_until(lambda: self.try_sql_via(RW_PORT, "SELECT 1") == [("1",)], 20, "writes through the VIP")
        wait_until(lambda: self.try_sql_via(RO_PORT, "SELECT 1") == [("1",)], 20, "reads through the VIP")
        self.log(f"pgfloat x3 up, p1 holds VIP {self.vip} ({time.monotonic() - t0:.1f}s since start)")

    def config(self, proxy: str) -> str:
        servers = "".join(
            f'[[server]]\nname = "{n}"\naddress = "{self.db_addr(n)}:{PG_PORT}"\nslowstart = "{self.slowstart}"\n\n'
            for n in DB_NODES)
        pool = ", ".join(f'"{n}"' for n in DB_NODES)
        return f"""# generated by appliance_lab.py for {proxy}
[global]
admin_socket = "{self.admin_socket(proxy)}"
stats_bind = "{self.lan_addr(proxy)}:{STATS_PORT}"
shutdown_grace = "2s"
log_sessions = false

[defaults]
timeout_connect = "1s"
timeout_queue = "{self.timeout_queue}"
retries = 3

[check]
type = "pgsql"
interval = "1s"
fast_interval = "250ms"
timeout = "1s"
rise = 2
fall = 2
user = "postgres"
database = "postgres"
sslmode = "disable"

{servers}[[listener]]
name = "postgres_primary"
bind = ["0.0.0.0:{RW_PORT}"]
role = "primary"
balance = "first"
on_marked_down = "shutdown-sessions"
servers = [{pool}]

[[listener]]
name = "postgres_replicas"
bind = ["0.0.0.0:{RO_PORT}"]
role = "replica"
balance = "roundrobin"
servers = [{pool}]

[[vrrp]]
name = "VI_PG"
interface = "eth0"
virtual_router_id = 51
priority = {PRIORITIES[proxy]}
advert_interval = "{self.advert_interval}"
version = 3
virtual_addresses = ["{self.vip}/24"]
notify = "{self.work / 'notify.sh'} {proxy}"
"""

    # -- PostgreSQL -----------------------------------------------------
    def _as_postgres(self, node: str, *cmd: str, timeout: float = 120) -> str:
        r = subprocess.run(["ip", "netns", "exec", self.lab.ns(node), "runuser", "-u", "postgres", "--", *cmd],
                           capture_output=True, text=True, timeout=timeout, cwd=self.pgbase)
        if r.returncode != 0:
            raise RuntimeError(f"[{node}] {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def datadir(self, node: str) -> Path:
        return self.pgbase / node

    def pg_log(self, node: str) -> Path:
        return self.pgbase / f"{node}.log"

    def _node_conf(self, node: str) -> list[str]:
        sockdir = self.pgbase / f"{node}-sock"
        sockdir.mkdir(exist_ok=True)
        os.chown(sockdir, self._uid, self._gid)
        return [f"listen_addresses = '{self.db_addr(node)}'", f"port = {PG_PORT}",
                f"unix_socket_directories = '{sockdir}'", f"cluster_name = '{node}'"]

    def _append_conf(self, node: str, lines: list[str]) -> None:
        with open(self.datadir(node) / "postgresql.conf", "a") as f:
            f.write("\n# appliance_lab.py\n" + "\n".join(lines) + "\n")

    def _init_primary(self, node: str) -> None:
        self._as_postgres(node, str(PG_BIN / "initdb"), "-D", str(self.datadir(node)), "-U", "postgres",
                          "-A", "trust", "--no-sync")
        hba = self.datadir(node) / "pg_hba.conf"
        hba.write_text(hba.read_text() + f"\n# the lab's db subnet (proxies' checks and sessions, replication)\n"
                       f"host all all {self.db_subnet} trust\nhost replication all {self.db_subnet} trust\n")
        self._append_conf(node, ["wal_level = replica", "max_wal_senders = 10", "hot_standby = on",
                                 "wal_keep_size = '256MB'", "max_connections = 200", "fsync = off",
                                 "synchronous_commit = off", "full_page_writes = on", "wal_log_hints = on",
                                 "log_connections = off"] + self._node_conf(node))
        self.pg_start(node)

    def _basebackup(self, node: str, upstream: str) -> None:
        self._as_postgres(node, str(PG_BIN / "pg_basebackup"), "-h", self.db_addr(upstream), "-p", str(PG_PORT),
                          "-U", "postgres", "-D", str(self.datadir(node)), "-R", "-X", "stream", "-c", "fast",
                          "--no-sync", "-d", f"application_name={node}")
        self._append_conf(node, self._node_conf(node))

    def pg_start(self, node: str) -> None:
        self._as_postgres(node, str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.datadir(node)),
                          "-l", str(self.pg_log(node)))

    def pg_stop(self, node: str, mode: str = "immediate") -> None:
        """mode immediate: a crash (no shutdown checkpoint); fast: a clean shutdown."""
        self._as_postgres(node, str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "60", "-m", mode,
                          "-D", str(self.datadir(node)))

    def pg_running(self, node: str) -> bool:
        return (self.datadir(node) / "postmaster.pid").exists()

    def psql_cmd(self, node: str, sql: str) -> list[str]:
        return ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.db_addr(node), "-p", str(PG_PORT),
                "-U", "postgres", "-d", "postgres", "-c", sql]

    def sql(self, node: str, sql: str, timeout: float = 30) -> str:
        """psql straight to a database node, run inside its own namespace."""
        env = {**os.environ, "PGCONNECT_TIMEOUT": "5", "PGSSLMODE": "disable"}
        return self.lab.check_output(node, *self.psql_cmd(node, sql), timeout=timeout, env=env).strip()

    def streaming_count(self, node: str) -> int:
        return int(self.sql(node, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"))

    def in_recovery(self, node: str) -> bool:
        return self.sql(node, "SELECT pg_is_in_recovery()") == "t"

    def promote(self, node: str, wait: bool = True) -> None:
        """pg_ctl promote (what Patroni/repmgr would do); by default waits until it accepts writes."""
        self._as_postgres(node, str(PG_BIN / "pg_ctl"), "promote", "-W", "-D", str(self.datadir(node)))
        self.primary = node
        self.followers.pop(node, None)
        if wait:
            wait_until(lambda: not self.in_recovery(node), 30, f"{node} to leave recovery", interval=0.05)

    def follow(self, node: str, upstream: str) -> None:
        """Re-point a running standby at another primary (PostgreSQL 15 applies primary_conninfo on reload)."""
        conninfo = f"host={self.db_addr(upstream)} port={PG_PORT} user=postgres application_name={node}"
        self.sql(node, f"ALTER SYSTEM SET primary_conninfo = '{conninfo}'")
        self.sql(node, "SELECT pg_reload_conf()")
        self.followers[node] = upstream

    def rejoin_as_standby(self, node: str, upstream: str) -> None:
        """Start a cleanly stopped old primary as a standby of `upstream` (a switchover's last step)."""
        datadir = self.datadir(node)
        conninfo = f"host={self.db_addr(upstream)} port={PG_PORT} user=postgres application_name={node}"
        with open(datadir / "postgresql.auto.conf", "a") as f:
            f.write(f"primary_conninfo = '{conninfo}'\n")
        (datadir / "standby.signal").touch()
        os.chown(datadir / "standby.signal", self._uid, self._gid)
        self.pg_start(node)
        self.followers[node] = upstream

    def standbys(self) -> list[str]:
        return [n for n in DB_NODES if n != self.primary and n in self.followers and self.pg_running(n)]

    def wait_streaming(self, primary: str, count: int, timeout: float = 30) -> None:
        wait_until(lambda: self.streaming_count(primary) >= count, timeout,
                   f"{count} standbys streaming from {primary}")

    # -- pgfloat --------------------------------------------------------
    def start_proxy(self, proxy: str) -> None:
        sock = self.admin_socket(proxy)
        if sock.exists():
            sock.unlink()
        self.proxies[proxy] = self.lab.run(proxy, str(self.binary), "run", "-c", str(self.work / f"{proxy}.toml"),
                                           env=pgfloat_env(self.work / f"{proxy}-state"))
        proc = self.proxies[proxy]

        def up():
            if proc.poll() is not None:
                raise RuntimeError(f"pgfloat on {proxy} exited {proc.returncode}:\n{self.proxy_log(proxy)[-3000:]}")
            return sock.exists()
        wait_until(up, 20, f"pgfloat admin socket on {proxy}")

    def kill_proxy(self, proxy: str, sig: int = signal.SIGKILL) -> None:
        proc = self.proxies.get(proxy)
        if proc is not None:
            self.lab.kill(proc, sig)

    def ctl(self, proxy: str, command: str) -> str:
        r = subprocess.run([str(self.binary), "ctl", "-s", str(self.admin_socket(proxy)), command],
                           capture_output=True, text=True, timeout=10)
        return r.stdout + r.stderr

    def ctl_all(self, command: str) -> dict[str, str]:
        return {p: self.ctl(p, command) for p, proc in self.proxies.items() if proc and proc.poll() is None}

    def stat(self, proxy: str) -> dict[tuple[str, str], dict[str, str]]:
        """`show stat` as {(pxname, svname): row}."""
        lines = [ln for ln in self.ctl(proxy, "show stat").splitlines() if ln.strip()]
        if not lines or not lines[0].startswith("#"):
            return {}
        header = lines[0].lstrip("# ").split(",")
        out = {}
        for ln in lines[1:]:
            row = dict(zip(header, ln.split(",")))
            out[(row.get("pxname", ""), row.get("svname", ""))] = row
        return out

    def vrrp_state(self, proxy: str) -> str:
        out = self.ctl(proxy, "show vrrp").splitlines()
        fields = dict(w.split("=", 1) for w in (out[0].split()[1:] if out else []) if "=" in w)
        return fields.get("state", "?")

    def vip_holders(self) -> list[str]:
        return self.lab.holders(self.vip, list(PROXIES))

    def master(self) -> str | None:
        holders = self.vip_holders()
        return holders[0] if len(holders) == 1 else None

    def transitions(self) -> list[str]:
        return self.notify_log().read_text().splitlines() if self.notify_log().exists() else []

    def http_get(self, proxy: str, path: str, timeout: float = 3) -> tuple[int, str]:
        """GET from the client namespace to the proxy's stats endpoint."""
        def get():
            c = http.client.HTTPConnection(self.lan_addr(proxy), STATS_PORT, timeout=timeout)
            try:
                c.request("GET", path)
                r = c.getresponse()
                return r.status, r.read().decode(errors="replace")
            finally:
                c.close()
        return call_in_netns(self.lab.ns("client"), get, timeout=timeout + 5)

    # -- clients --------------------------------------------------------
    def sql_via(self, port: int, sql: str, timeout: float = 3, appname: str = "pgfloat-demo") -> list[tuple]:
        """One fresh connection from the client namespace to VIP:port; rows, or raises PgError/OSError."""
        def run():
            c = PgWire(self.vip, port, timeout, appname=appname)
            try:
                return c.query(sql)
            finally:
                c.close()
        return call_in_netns(self.lab.ns("client"), run, timeout=timeout * 3 + 5)

    def try_sql_via(self, port: int, sql: str, timeout: float = 3):
        try:
            return self.sql_via(port, sql, timeout)
        except (OSError, PgError, ConnectionError, TimeoutError):
            return None

    def node_via(self, port: int, timeout: float = 3) -> str | None:
        rows = self.try_sql_via(port, "SELECT host(inet_server_addr())", timeout)
        return self.name_of_address.get(rows[0][0]) if rows else None

    def start_load(self, interval: float = 0.1, timeout: float = 1.0) -> LoadGenerator:
        self.load = LoadGenerator(self, interval, timeout).start()
        return self.load

    # -- teardown -------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.load is not None:
            self.load.stop()
        for proxy, proc in self.proxies.items():
            if proc is not None and proc.poll() is None:
                self.lab.kill(proc, signal.SIGTERM, wait=5)
                if proc.poll() is None:
                    self.lab.kill(proc, signal.SIGKILL)
        for node in DB_NODES:
            if self.pg_running(node):
                try:
                    self.pg_stop(node, "immediate")
                except Exception:
                    _kill_postmaster(self.datadir(node))
        self.lab.close()   # stops anything left inside the namespaces by PID, deletes them
        shutil.rmtree(self.pgbase, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)


def _kill_postmaster(datadir: Path) -> None:
    try:
        pid = int((datadir / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def server_state_lines(log: str, server: str) -> list[str]:
    """The `server state` log lines of one server."""
    return [ln for ln in log.splitlines() if "server state" in ln and re.search(rf"\b{re.escape(server)}\b", ln)]
