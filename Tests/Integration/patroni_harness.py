"""A real Patroni cluster on loopback for pgfloat's `patroni` check and `[dcs]` tests.

    ensure_etcd()      etcd and etcdctl from Debian's etcd-server/etcd-client, installed if missing
    ensure_patroni()   a venv with patroni[etcd3] and psycopg2-binary from PyPI, made if missing
    missing()          both of the above
    Etcd               one etcd member (client and peer port in 20000-29999, data in a temp dir);
                       restartable on other ports, with put/delete/compact over the JSON gateway
    EtcdWatchRecorder  a v3 watch on one key in a thread: when each write reached etcd
    PatroniCluster     etcd plus N Patroni nodes running as OS user postgres
    cluster_with_table a healthy cluster with one table on every node (a context manager)

Both ensure_* return None when ready, else the reason the caller should skip with.

Patroni runs as postgres, which cannot read root's pyenv, so the venv is built from
Debian's /usr/bin/python3 in a world-readable place (PGFLOAT_PATRONI_VENV, default
/opt/pgfloat-test/patroni-venv) and kept between runs like any installed package.
Patroni is started with Popen(user="postgres") rather than runuser: runuser forks and
waits, and the tests must be able to SIGKILL the Patroni process itself by its PID.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from harness import HOST, PG_BIN, free_port, run_psql, wait_until

# The cluster's timing: ttl is Patroni's minimum (it raises lower values to 20), and Patroni wants
# loop_wait + 2 * retry_timeout <= ttl.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 20, 2, 5
PATRONI_VENV = Path(os.environ.get("PGFLOAT_PATRONI_VENV", "/opt/pgfloat-test/patroni-venv"))
SYSTEM_PYTHON = Path("/usr/bin/python3")
NAMESPACE = "/service/"


# ---------------------------------------------------------------------------
# installing what the tests need
# ---------------------------------------------------------------------------

def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess | str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{' '.join(cmd[:3])}...: {e}"


def _apt_install(*packages: str) -> str | None:
    """apt-get install; on failure apt-get update once and try again. None on success."""
    result = _run(["apt-get", "install", "-y", "-qq", *packages], 300)
    if isinstance(result, subprocess.CompletedProcess) and result.returncode == 0:
        return None
    _run(["apt-get", "update", "-qq"], 300)
    result = _run(["apt-get", "install", "-y", "-qq", *packages], 300)
    if isinstance(result, str):
        return result
    if result.returncode != 0:
        return f"apt-get install {' '.join(packages)} failed: {result.stderr.strip()[-300:]}"
    return None


def ensure_etcd() -> str | None:
    if shutil.which("etcd") and shutil.which("etcdctl"):
        return None
    # The image's policy-rc.d keeps the package's own etcd service from starting.
    reason = _apt_install("etcd-server", "etcd-client")
    if reason:
        return f"etcd is not installed and could not be: {reason}"
    if not (shutil.which("etcd") and shutil.which("etcdctl")):
        return "etcd-server/etcd-client installed but etcd or etcdctl is not on PATH"
    return None


def patroni_bin(name: str = "patroni") -> Path:
    return PATRONI_VENV / "bin" / name


def _patroni_works() -> bool:
    result = _run(["runuser", "-u", "postgres", "--", str(patroni_bin("patronictl")), "version"], 60)
    return isinstance(result, subprocess.CompletedProcess) and result.returncode == 0


def ensure_patroni() -> str | None:
    if patroni_bin().exists() and _patroni_works():
        return None
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} is missing (Patroni runs as postgres and needs a readable Python)"
    if not (PATRONI_VENV / "bin" / "pip").exists():
        result = _run([str(SYSTEM_PYTHON), "-m", "venv", str(PATRONI_VENV)], 120)
        if isinstance(result, str) or result.returncode != 0:
            reason = _apt_install("python3-venv")
            if reason:
                return f"cannot make a venv: {reason}"
            shutil.rmtree(PATRONI_VENV, ignore_errors=True)
            result = _run([str(SYSTEM_PYTHON), "-m", "venv", str(PATRONI_VENV)], 120)
            if isinstance(result, str) or result.returncode != 0:
                return f"python3 -m venv {PATRONI_VENV} failed"
    result = _run([str(PATRONI_VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                   "patroni[etcd3]", "psycopg2-binary"], 600)
    if isinstance(result, str):
        return f"pip install patroni[etcd3] psycopg2-binary: {result}"
    if result.returncode != 0:
        return f"pip install patroni[etcd3] psycopg2-binary failed: {result.stderr.strip()[-300:]}"
    subprocess.run(["chmod", "-R", "a+rX", str(PATRONI_VENV)], check=False, timeout=60)
    if not _patroni_works():
        return "patroni installed, but `patronictl version` fails as user postgres"
    return None


def missing() -> str | None:
    """ensure_etcd, then ensure_patroni: the first reason the caller should skip with, or None."""
    return ensure_etcd() or ensure_patroni()


def writes_table(table: str) -> str:
    """The statement that makes the table write tests insert into (one row per write, with its time)."""
    return f"CREATE TABLE IF NOT EXISTS {table} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"


@contextmanager
def cluster_with_table(table: str):
    """A healthy 3-node cluster in which `table` (id bigserial, at timestamptz) exists on every node, torn down
    after. Waiting for the table on the replicas too matters: a switchover to one that has not replayed it yet
    would fail every write."""
    cluster = PatroniCluster()
    try:
        leader = cluster.wait_healthy()
        r = run_psql(cluster.nodes[leader].pg_port, writes_table(table))
        if r.returncode != 0:
            raise RuntimeError(f"create {table}: {r.stderr.strip()}")
        for node in cluster.nodes.values():
            wait_until(lambda: run_psql(node.pg_port, f"SELECT to_regclass('{table}') IS NOT NULL",
                                        timeout=10).stdout.strip() == "t",
                       30, f"{table} replicated to {node.name}")
        yield cluster
    finally:
        cluster.teardown()


# ---------------------------------------------------------------------------
# HTTP without dependencies
# ---------------------------------------------------------------------------

def http_json(url: str, body: dict | None = None, timeout: float = 1.0):
    """GET (or POST body as JSON) and decode the reply; (status, obj) or (None, None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:  # Patroni answers 503 with a JSON body too
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except (OSError, ValueError):
        return None, None


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ---------------------------------------------------------------------------
# etcd
# ---------------------------------------------------------------------------

class Etcd:
    """One etcd member on loopback, its data dir kept across restarts.

    `client_url` is the port pgfloat is given. `start(extra_client_ports=[...], only_extra=True)`
    serves the same data on other ports only, so a test can change keys and compact while
    pgfloat's endpoint is closed. The key helpers (`get`, `put`, `delete`, `compact`,
    `revision`) use etcd's v3 JSON gateway on whichever port is open (`api_url`): the same
    requests as `ETCDCTL_API=3 etcdctl ...`, without a process per call. Bytes fields go
    base64, int64 fields come back as strings."""

    def __init__(self, base: Path, name: str):
        self.name = name
        self.client_port, self.peer_port = free_port(), free_port()
        self.datadir = base / "etcd"
        self.log_path = base / "etcd.log"
        self.proc: subprocess.Popen | None = None
        self.listening: list[int] = []  # client ports of the current (or last) run

    @property
    def client_url(self) -> str:
        return f"http://{HOST}:{self.client_port}"

    @property
    def api_url(self) -> str:
        """A client URL etcd listens on now: client_url unless started on extra ports only."""
        return f"http://{HOST}:{(self.listening or [self.client_port])[0]}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30, extra_client_ports: list[int] | tuple[int, ...] = (),
              only_extra: bool = False) -> "Etcd":
        """Start (or restart, on the same data) and wait until healthy."""
        if self.running:
            raise RuntimeError(f"etcd {self.name} is already running (pid {self.proc.pid})")
        if only_extra and not extra_client_ports:
            raise ValueError("only_extra needs extra_client_ports")
        self.listening = [*([] if only_extra else [self.client_port]), *extra_client_ports]
        urls = ",".join(f"http://{HOST}:{port}" for port in self.listening)
        peer = f"http://{HOST}:{self.peer_port}"
        # On a restart the data dir wins: etcd ignores the --initial-* flags and replays its WAL.
        cmd = ["etcd", "--name", self.name, "--data-dir", str(self.datadir),
               "--listen-client-urls", urls, "--advertise-client-urls", urls,
               "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
               "--initial-cluster", f"{self.name}={peer}", "--initial-cluster-state", "new",
               "--initial-cluster-token", self.name]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(f"etcd exited {self.proc.returncode}:\n{self.log_tail()}")
            status, body = http_json(f"{self.api_url}/health")
            return status == 200 and body and body.get("health") == "true"
        wait_until(healthy, timeout, "etcd to report healthy")
        return self

    def _call(self, path: str, body: dict) -> dict:
        status, reply = http_json(f"{self.api_url}/v3/{path}", body, timeout=5)
        if status != 200 or not isinstance(reply, dict):
            raise RuntimeError(f"etcd {path} {body}: HTTP {status} {reply}")
        return reply

    def get(self, key: str) -> str | None:
        status, body = http_json(f"{self.api_url}/v3/kv/range", {"key": _b64(key)})
        if status != 200 or not body:
            return None
        kvs = body.get("kvs") or []
        return base64.b64decode(kvs[0]["value"]).decode() if kvs else None

    def put(self, key: str, value: str) -> int:
        """Write a key; the store's revision after the write."""
        return int(self._call("kv/put", {"key": _b64(key), "value": _b64(value)})["header"]["revision"])

    def delete(self, key: str) -> int:
        """Delete a key; how many keys went (0 or 1)."""
        return int(self._call("kv/deleterange", {"key": _b64(key)}).get("deleted", "0"))

    def revision(self) -> int:
        """The store's current revision (any read's header carries it)."""
        return int(self._call("kv/range", {"key": _b64("/"), "count_only": True})["header"]["revision"])

    def compact(self, revision: int) -> None:
        """Discard history before `revision`: a watch from an older revision is refused after."""
        self._call("kv/compaction", {"revision": str(revision), "physical": True})

    def etcdctl_get(self, key: str) -> str:
        r = subprocess.run(["etcdctl", "--endpoints", self.api_url, "get", key, "--print-value-only"],
                           capture_output=True, text=True, timeout=10,
                           env={**os.environ, "ETCDCTL_API": "3"})
        return r.stdout.strip()

    def save_snapshot(self, path: Path) -> None:
        """`etcdctl snapshot save`: the whole store at its current revision."""
        subprocess.run(["etcdctl", "--endpoints", self.api_url, "snapshot", "save", str(path)],
                       check=True, capture_output=True, timeout=30, env={**os.environ, "ETCDCTL_API": "3"})

    def restore_snapshot(self, path: Path) -> None:
        """Replaces the (stopped) member's data with `path`, as an operator restoring a backup. etcd 3.4 has no
        `--bump-revision`: the store counts its revisions again from the snapshot's."""
        if self.running:
            raise RuntimeError(f"etcd {self.name} must be stopped to restore a snapshot")
        shutil.rmtree(self.datadir, ignore_errors=True)
        peer = f"http://{HOST}:{self.peer_port}"
        subprocess.run(["etcdctl", "snapshot", "restore", str(path), "--data-dir", str(self.datadir),
                        "--name", self.name, "--initial-cluster", f"{self.name}={peer}",
                        "--initial-cluster-token", self.name, "--initial-advertise-peer-urls", peer],
                       check=True, capture_output=True, timeout=30, env={**os.environ, "ETCDCTL_API": "3"})

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.proc)

    def kill(self) -> None:
        """SIGKILL, as a crashed or cut-off store: no goodbye to its clients."""
        stop_process(self.proc, sig=signal.SIGKILL, timeout=10)


class WatchEvent(NamedTuple):
    at: float            # time.monotonic() when the event arrived here
    revision: int        # the key's mod_revision: when etcd applied the write
    value: str | None    # None for a DELETE (also a lease expiry)


class EtcdWatchRecorder:
    """Holds one v3 watch on `key` (POST /v3/watch through the JSON gateway) in a thread
    and records each event as it arrives: when Patroni wrote the leader key, read from
    etcd itself rather than inferred from polls.

    The gateway streams one JSON object per line: first {"result": {"header", "created"}},
    then {"result": {"events": [{"type": "DELETE"?, "kv": {"key", "mod_revision",
    "value"?}}]}}; bytes are base64, int64s are strings. Use as a context manager; entering
    waits until etcd has confirmed the watch, so nothing written after it is missed."""

    def __init__(self, etcd_url: str, key: str, start_revision: int | None = None,
                 timeout: float = 10):
        parsed = urllib.parse.urlsplit(etcd_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.key, self.start_revision, self.timeout = key, start_revision, timeout
        self.events: list[WatchEvent] = []
        self.created_revision: int | None = None  # the store's revision when the watch began
        self.error: str | None = None
        self._created = threading.Event()
        self._stopping = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"etcd-watch {key}")

    def __enter__(self) -> "EtcdWatchRecorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "EtcdWatchRecorder":
        self._thread.start()
        if not self._created.wait(self.timeout):
            self.stop()
            raise TimeoutError(f"etcd did not confirm a watch on {self.key} within {self.timeout}s")
        if self.error:
            self.stop()
            raise RuntimeError(f"watch on {self.key} failed: {self.error}")
        return self

    def stop(self) -> None:
        self._stopping = True
        sock = self._sock
        if sock is not None:
            try:  # wakes the reader blocked in recv; it sees EOF and ends
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)

    def _run(self) -> None:
        request: dict = {"key": _b64(self.key)}
        if self.start_revision is not None:
            request["start_revision"] = str(self.start_revision)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", "/v3/watch", body=json.dumps({"create_request": request}),
                         headers={"Content-Type": "application/json"})
            self._sock = conn.sock
            if self._stopping:  # stop() came before there was a socket to shut down
                return
            resp = conn.getresponse()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {resp.read(500)!r}")
            # The stream is quiet until the key changes: no read timeout from here on;
            # stop() ends the read by shutting the socket down.
            conn.sock.settimeout(None)
            while not self._stopping:
                line = resp.readline()
                if not line:
                    raise RuntimeError("etcd closed the watch stream")
                self._message(json.loads(line), time.monotonic())
        except Exception as e:  # recorded; the test that reads the events reports it
            if not self._stopping:
                self.error = f"{type(e).__name__}: {e}"
        finally:
            self._created.set()
            conn.close()

    def _message(self, message: dict, at: float) -> None:
        result = message.get("result")
        if result is None:
            raise RuntimeError(f"watch error: {message}")
        if result.get("canceled"):
            # etcd 3.4 cancels a watch from a compacted revision right after "created",
            # with compact_revision and no cancel_reason.
            raise RuntimeError(f"watch canceled: {result.get('cancel_reason') or 'no reason given'}, "
                               f"compact_revision {result.get('compact_revision')}")
        if result.get("created"):
            self.created_revision = int(result["header"]["revision"])
            self._created.set()
        for event in result.get("events") or []:
            kv = event["kv"]
            value = None if event.get("type") == "DELETE" else base64.b64decode(kv.get("value", "")).decode()
            with self._lock:
                self.events.append(WatchEvent(at, int(kv["mod_revision"]), value))

    # -- reading what was recorded ---------------------------------------
    def snapshot(self) -> list[WatchEvent]:
        with self._lock:
            return list(self.events)

    def first(self, value: str | None, after: float = float("-inf")) -> WatchEvent | None:
        """The first event that set the key to `value` (None: deleted) at or after `after`."""
        return next((e for e in self.snapshot() if e.value == value and e.at >= after), None)

    def wait_for(self, value: str | None, timeout: float, after: float = float("-inf")) -> WatchEvent:
        def seen():
            if self.error:
                raise RuntimeError(f"watch on {self.key} failed: {self.error}")
            return self.first(value, after)
        return wait_until(seen, timeout, f"etcd to report {self.key} = {value!r}", interval=0.02)


def stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------
# Patroni
# ---------------------------------------------------------------------------

@dataclass
class PatroniNode:
    name: str
    pg_port: int
    rest_port: int
    datadir: Path
    config_path: Path
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def rest_url(self) -> str:
        return f"http://{HOST}:{self.rest_port}"

    def status(self) -> dict | None:
        """GET /patroni: role, state, timeline, xlog positions."""
        _, body = http_json(f"{self.rest_url}/patroni")
        return body if isinstance(body, dict) else None


class PatroniCluster:
    """etcd plus `size` Patroni nodes (node1..nodeN, or another `name_prefix`), scope unique per run."""

    def __init__(self, size: int = 3, ttl: int = TTL, loop_wait: int = LOOP_WAIT,
                 retry_timeout: int = RETRY_TIMEOUT, failsafe_mode: bool = False,
                 etcd_via: Callable[[str, int], str] | None = None,
                 tags: dict[str, dict] | None = None, synchronous_mode: bool = False,
                 standby_of: int | None = None, name_prefix: str = "node"):
        self.ttl, self.loop_wait, self.retry_timeout = ttl, loop_wait, retry_timeout
        # etcd_via(node name, etcd client port) -> "host:port" a node's Patroni reaches etcd at (a relay a test can
        # cut); None: etcd itself.
        self.etcd_via = etcd_via
        # tags: each node's Patroni `tags` by node name (nofailover, noloadbalance, custom ones).
        # synchronous_mode: Patroni keeps one replica synchronous and names it in the `sync` key.
        self.tags, self.synchronous_mode = tags or {}, synchronous_mode
        # standby_of: the PostgreSQL port (on HOST) of another cluster's primary: this cluster is a Patroni
        # standby cluster, whose leader (role standby_leader) replicates from it.
        self.standby_of = standby_of
        # failsafe_mode: a primary that loses the DCS stays primary while every member's REST
        # API still answers it, instead of demoting after retry_timeout.
        self.failsafe_mode = failsafe_mode
        self.scope = f"pgfloat-it-{uuid.uuid4().hex[:10]}"
        self.base = Path(tempfile.mkdtemp(prefix="pgfloat-patroni-"))
        pw = pwd.getpwnam("postgres")
        self._uid, self._gid = pw.pw_uid, pw.pw_gid
        os.chown(self.base, self._uid, self._gid)
        self.etcd = Etcd(self.base, self.scope)
        self.nodes: dict[str, PatroniNode] = {}
        try:
            self.etcd.start()
            for i in range(size):
                self._add_node(f"{name_prefix}{i + 1}")
            for node in self.nodes.values():
                self.start(node)
        except BaseException:
            self.teardown()
            raise

    # -- config ----------------------------------------------------------
    def _add_node(self, name: str) -> PatroniNode:
        node = PatroniNode(name, free_port(), free_port(), self.base / name,
                           self.base / f"{name}.yml", self.base / f"{name}.log")
        config = {
            "scope": self.scope,
            "namespace": NAMESPACE,
            "name": name,
            "log": {"level": "INFO"},
            **({"tags": self.tags[name]} if name in self.tags else {}),
            "restapi": {"listen": f"{HOST}:{node.rest_port}", "connect_address": f"{HOST}:{node.rest_port}"},
            # use_proxies: Patroni keeps to the relay instead of discovering etcd's own client URLs.
            "etcd3": ({"hosts": [self.etcd_via(name, self.etcd.client_port)], "use_proxies": True} if self.etcd_via
                      else {"hosts": [f"{HOST}:{self.etcd.client_port}"]}),
            "bootstrap": {
                "dcs": {
                    "ttl": self.ttl, "loop_wait": self.loop_wait, "retry_timeout": self.retry_timeout,
                    "maximum_lag_on_failover": 1048576,
                    **({"failsafe_mode": True} if self.failsafe_mode else {}),
                    **({"synchronous_mode": True} if self.synchronous_mode else {}),
                    **({"standby_cluster": {"host": HOST, "port": self.standby_of,
                                            "create_replica_methods": ["basebackup"]}}
                       if self.standby_of else {}),
                    "postgresql": {
                        "use_pg_rewind": False,
                        "use_slots": True,
                        "parameters": {"wal_level": "replica", "hot_standby": "on", "max_wal_senders": 10,
                                       "max_replication_slots": 10, "wal_keep_size": "128MB"},
                    },
                },
                "initdb": [{"encoding": "UTF8"}],
            },
            "postgresql": {
                "listen": f"{HOST}:{node.pg_port}",
                "connect_address": f"{HOST}:{node.pg_port}",
                "data_dir": str(node.datadir),
                "bin_dir": str(PG_BIN),
                "pgpass": str(self.base / f"{name}.pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "patroni-su-secret"},
                    "replication": {"username": "replicator", "password": "patroni-repl-secret"},
                },
                # Loopback only, test data: trust, and skip the disk flushes.
                "pg_hba": ["local all all trust", f"host all all {HOST}/32 trust",
                           f"host replication all {HOST}/32 trust"],
                "parameters": {"unix_socket_directories": str(self.base), "max_connections": 100,
                               "fsync": "off", "synchronous_commit": "off"},
            },
        }
        # JSON is YAML: no PyYAML needed here.
        node.config_path.write_text(json.dumps(config, indent=2))
        self.nodes[name] = node
        return node

    # -- processes -------------------------------------------------------
    def start(self, node: PatroniNode | str) -> None:
        node = self._node(node)
        env = {"PATH": f"{PATRONI_VENV / 'bin'}:/usr/bin:/bin", "HOME": str(self.base), "USER": "postgres",
               "LOGNAME": "postgres", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        with open(node.log_path, "ab") as log:
            node.proc = subprocess.Popen([str(patroni_bin()), str(node.config_path)], cwd=self.base,
                                         user=self._uid, group=self._gid, extra_groups=[], env=env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def crash(self, node: PatroniNode | str) -> None:
        """SIGKILL the Patroni process, then stop its PostgreSQL in immediate mode."""
        node = self._node(node)
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(timeout=10)
        self._stop_postgres(node)

    def _pg_ctl(self, *args: str, timeout: float = 70) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), *args],
                              capture_output=True, text=True, timeout=timeout, cwd=self.base)

    def _stop_postgres(self, node: PatroniNode) -> None:
        if not (node.datadir / "postmaster.pid").exists():
            return
        r = self._pg_ctl("stop", "-w", "-t", "60", "-m", "immediate", "-D", str(node.datadir))
        if r.returncode != 0 and (node.datadir / "postmaster.pid").exists():
            try:  # last resort: the postmaster this node's Patroni started
                pid = int((node.datadir / "postmaster.pid").read_text().split("\n", 1)[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def patronictl_cmd(self, *args: str) -> list[str]:
        """patronictl as postgres, with a node's config (it names the scope and etcd)."""
        any_node = next(iter(self.nodes.values()))
        return ["runuser", "-u", "postgres", "--", str(patroni_bin("patronictl")),
                "-c", str(any_node.config_path), *args]

    def patronictl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.patronictl_cmd(*args), capture_output=True, text=True,
                              timeout=timeout, cwd=self.base)

    # -- state -----------------------------------------------------------
    def _node(self, node: PatroniNode | str) -> PatroniNode:
        return self.nodes[node] if isinstance(node, str) else node

    @property
    def leader_key(self) -> str:
        return f"{NAMESPACE}{self.scope}/leader"

    def leader(self) -> str | None:
        """The leader's member name, from the DCS."""
        return self.etcd.get(self.leader_key)

    def alive(self) -> list[PatroniNode]:
        return [n for n in self.nodes.values() if n.proc is not None and n.proc.poll() is None]

    def wait_healthy(self, timeout: float = 120) -> str:
        """Wait until one running node is the running primary (in a standby cluster: the standby
        leader) holding the leader key and every other running node is a streaming replica.
        Returns the leader's name."""
        def healthy():
            for node in self.nodes.values():
                if node.proc is not None and node.proc.poll() is not None:
                    raise RuntimeError(f"patroni {node.name} exited {node.proc.returncode}:\n"
                                       + self.log_tail(node))
            leader = self.leader()
            if leader not in self.nodes:
                return None
            for node in self.alive():
                st = node.status() or {}
                if st.get("state") != "running":
                    return None
                leading = ("standby_leader",) if self.standby_of else ("primary", "master")
                if node.name == leader and st.get("role") not in leading:
                    return None
                # Patroni leaves replication_state out while a replica is not streaming (right
                # after bootstrap it waits for the leader to create its slot); a switchover then
                # may promote a replica that never received the latest WAL.
                if node.name != leader and (st.get("role") != "replica"
                                            or st.get("replication_state") != "streaming"):
                    return None
            return leader
        return wait_until(healthy, timeout, "the Patroni cluster to be healthy", interval=0.25)

    def log_tail(self, node: PatroniNode | str, lines: int = 30) -> str:
        node = self._node(node)
        text = node.log_path.read_text(errors="replace") if node.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # -- teardown --------------------------------------------------------
    def teardown(self) -> None:
        """Stop every Patroni we started (SIGTERM also stops its PostgreSQL), then make
        sure no PostgreSQL is left in our data dirs, stop etcd, remove the files."""
        for node in self.nodes.values():
            if node.proc is not None and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes.values():
            stop_process(node.proc, timeout=30)
        for node in self.nodes.values():
            self._stop_postgres(node)
        self.etcd.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class LeaderWatch:
    """Polls the DCS leader key every `interval` in a thread and records each change as
    (monotonic instant, new value). The instant a new name appears is when Patroni made
    that node the leader (it takes the key, then promotes)."""

    def __init__(self, cluster: PatroniCluster, interval: float = 0.05, timeout: float = 150):
        self.cluster, self.interval, self.timeout = cluster, interval, timeout
        self.changes: list[tuple[float, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LeaderWatch":
        self.changes.append((time.monotonic(), self.cluster.leader()))
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not self._stop.is_set() and time.monotonic() < deadline:
            value = self.cluster.leader()
            if value != self.changes[-1][1]:
                self.changes.append((time.monotonic(), value))
            self._stop.wait(self.interval)

    def became_leader(self, name: str) -> float | None:
        """The first instant `name` was seen holding the key after the watch started."""
        return next((t for t, v in self.changes[1:] if v == name), None)

    def new_leader(self, other_than: str) -> tuple[str, float] | None:
        return next(((v, t) for t, v in self.changes[1:] if v and v != other_than), None)
