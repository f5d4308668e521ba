"""Helpers for pgfloat's integration tests.

Everything here talks only to 127.0.0.1, waits with explicit deadlines, and
stops only processes it started itself (by PID or by the data directory that
pg_ctl manages).

    PGCluster   a PostgreSQL 15 primary plus N streaming standbys in a temp dir
    PGFloat     one pgfloat process with its own config file and log
    free_port   a free TCP port in 20000-29999 (below the ephemeral range)
"""

from __future__ import annotations

import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HOST = "127.0.0.1"


def pgfloat_bin() -> Path:
    return Path(os.environ.get("PGFLOAT_BIN", REPO_ROOT / ".build" / "debug" / "pgfloat"))


def pgfloat_env(state_dir: Path) -> dict[str, str]:
    """The environment for `pgfloat run`: its state file (the newest primary timeline) in `state_dir`, as systemd's
    StateDirectory= would set it, so that no test reads what another left in /var/lib/pgfloat."""
    if not state_dir.exists():
        state_dir.mkdir(parents=True)
    return {**os.environ, "STATE_DIRECTORY": str(state_dir)}


def skip_module_unless_runnable() -> None:
    """Skips the calling test module unless it runs as root (PostgreSQL runs as user postgres) with a binary."""
    import pytest  # only the test modules need it; the benchmarks import this file too
    if os.geteuid() != 0:
        pytest.skip("integration tests must run as root (PostgreSQL runs as user postgres)",
                    allow_module_level=True)
    if not pgfloat_bin().is_file():
        pytest.skip(f"pgfloat binary not found at {pgfloat_bin()} "
                    "(build it, or point PGFLOAT_BIN at it)", allow_module_level=True)


def socat(sock: Path, line: str) -> str:
    """What an operator's runbook does: `echo LINE | socat stdio UNIX:SOCK`."""
    out = subprocess.run(["socat", "stdio", f"UNIX-CONNECT:{sock}"], input=line + "\n",
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return out.stdout


def metric_sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample `name` in Prometheus text whose labels include `labels`; None if absent."""
    from prometheus_client.parser import text_string_to_metric_families
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


# ---------------------------------------------------------------------------
# Waiting and ports
# ---------------------------------------------------------------------------

def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Poll predicate() until it returns something truthy; raise after timeout.

    Returns the truthy value so callers can wait for "the thing" itself.
    """
    deadline = time.monotonic() + timeout
    max_polls = int(timeout / interval) + 2  # bounded in count as well as time
    for _ in range(max_polls):
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


_handed_out: set[int] = set()


def port_is_free(port: int) -> bool:
    # No SO_REUSEADDR: a port still in TIME_WAIT counts as busy, which is what
    # a server that binds it later would also see.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free port in 20000-29999, never the same one twice in this process.

    Binding to port 0 is avoided on purpose: it returns an ephemeral port
    (32768+) that the kernel may hand to an outgoing connection later.
    """
    for _ in range(500):
        port = random.randint(20000, 29999)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found in 20000-29999 after 500 tries")


def port_accepts(port: int, host: str = HOST, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# psql / pgbench as a client (run as root; the servers trust 127.0.0.1)
# ---------------------------------------------------------------------------

def client_env(**extra: str) -> dict[str, str]:
    """Environment for libpq clients: no ~/.psqlrc surprises, no SSL or GSS
    negotiation unless a test asks for it, and a bounded connect time."""
    env = dict(os.environ)
    env.update(PGCONNECT_TIMEOUT="10", PGSSLMODE="disable", PGGSSENCMODE="disable")
    env.update(extra)
    return env


def psql_cmd(port: int, sql: str, user: str = "postgres", db: str = "postgres") -> list[str]:
    return ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
            "-h", HOST, "-p", str(port), "-U", user, "-d", db, "-c", sql]


def run_psql(port: int, sql: str, timeout: float = 60, env: dict | None = None, **kw):
    """Run psql and return the CompletedProcess (never raises on exit code)."""
    return subprocess.run(psql_cmd(port, sql, **kw), capture_output=True, text=True,
                          timeout=timeout, env=env or client_env())


def psql(port: int, sql: str, **kw) -> str:
    """Run psql, fail loudly on a non-zero exit, return stripped stdout."""
    r = run_psql(port, sql, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"psql -p {port} -c {sql!r} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def start_psql(port: int, sql: str, appname: str, **kw) -> subprocess.Popen:
    """psql in the background; appname lets pg_stat_activity find it."""
    return subprocess.Popen(psql_cmd(port, sql, **kw), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=client_env(PGAPPNAME=appname))


def parse_pgbench(output: str) -> dict[str, float]:
    """The numbers we assert on from pgbench 15's summary."""
    def grab(pattern: str) -> float | None:
        m = re.search(pattern, output, re.M)
        return float(m.group(1)) if m else None
    return {
        "processed": grab(r"^number of transactions actually processed: (\d+)"),
        # pgbench 15 prints this line only when some transaction failed.
        "failed": grab(r"^number of failed transactions: (\d+)") or 0.0,
        "tps": grab(r"^tps = ([\d.]+)"),
    }


# ---------------------------------------------------------------------------
# PostgreSQL cluster
# ---------------------------------------------------------------------------

APP_USER, APP_PASSWORD = "app", "app-secret"


@dataclass
class PGNode:
    name: str
    port: int
    datadir: Path
    logfile: Path


class PGCluster:
    """A primary and `standbys` streaming replicas, each on its own port.

    Servers run as OS user postgres, so the working dir is made with mkdtemp
    and chowned to postgres (it cannot write into root's temp folders).
    """

    def __init__(self, standbys: int = 0, ssl: bool = False, name: str = "pgfloat-it"):
        self.ssl = ssl
        self.base = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        pw = pwd.getpwnam("postgres")
        self._uid, self._gid = pw.pw_uid, pw.pw_gid
        os.chown(self.base, self._uid, self._gid)
        self.nodes: dict[str, PGNode] = {}
        try:
            self.primary = self._init_primary()
            for i in range(standbys):
                self.add_standby(f"standby{i + 1}")
        except BaseException:
            self.teardown()
            raise

    # -- running things as postgres ------------------------------------
    def _as_postgres(self, *cmd: str, timeout: float = 120) -> str:
        full = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=self.base)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def _new_node(self, name: str) -> PGNode:
        node = PGNode(name, free_port(), self.base / name, self.base / f"{name}.log")
        self.nodes[name] = node
        return node

    def _append_conf(self, node: PGNode, lines: list[str]) -> None:
        with open(node.datadir / "postgresql.conf", "a") as f:
            f.write("\n# added by the pgfloat test harness\n" + "\n".join(lines) + "\n")

    # -- building nodes ------------------------------------------------
    def _init_primary(self) -> PGNode:
        node = self._new_node("primary")
        # -A trust covers local, host 127.0.0.1/::1 and replication connections.
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(node.datadir),
                          "-U", "postgres", "-A", "trust", "--no-sync")
        # pg_hba is first-match: the app role must use SCRAM, so it goes on top.
        hba = node.datadir / "pg_hba.conf"
        hba.write_text(f"host all {APP_USER} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        conf = [
            f"listen_addresses = '{HOST}'",
            f"port = {node.port}",
            f"unix_socket_directories = '{self.base}'",
            "wal_level = replica",
            "max_wal_senders = 10",
            "hot_standby = on",
            "max_connections = 100",
            # Test data is disposable; skip the disk flushes.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
        ]
        if self.ssl:
            self._make_cert(node.datadir)
            conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        self._append_conf(node, conf)
        self.start(node)
        psql(node.port, f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
        return node

    def _make_cert(self, datadir: Path) -> None:
        """Self-signed cert; PostgreSQL refuses a key readable by others."""
        key, crt = datadir / "server.key", datadir / "server.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "2", "-subj", "/CN=localhost",
                        "-keyout", str(key), "-out", str(crt)],
                       check=True, capture_output=True, timeout=60)
        for path in (key, crt):
            os.chown(path, self._uid, self._gid)
        key.chmod(0o600)

    def add_standby(self, name: str, timeout: float = 60) -> PGNode:
        """pg_basebackup -R from the primary, start it, wait until it streams."""
        node = self._new_node(name)
        want = self.streaming_count() + 1  # counted before this standby can connect
        self._as_postgres(str(PG_BIN / "pg_basebackup"), "-h", HOST, "-p", str(self.primary.port),
                          "-U", "postgres", "-D", str(node.datadir), "-R", "-X", "stream",
                          "-c", "fast", "--no-sync")
        # The copied postgresql.conf still names the primary's port; last line wins.
        self._append_conf(node, [f"port = {node.port}"])
        self.start(node)
        wait_until(lambda: self.streaming_count() >= want, timeout,
                   f"{name} to stream from the primary")
        return node

    def streaming_count(self) -> int:
        out = psql(self.primary.port,
                   "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        return int(out)

    # -- controlling nodes ---------------------------------------------
    def _node(self, node: PGNode | str) -> PGNode:
        return self.nodes[node] if isinstance(node, str) else node

    def start(self, node: PGNode | str) -> None:
        node = self._node(node)
        self._as_postgres(str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60",
                          "-D", str(node.datadir), "-l", str(node.logfile))

    def stop(self, node: PGNode | str, mode: str = "fast") -> None:
        node = self._node(node)
        self._as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "60",
                          "-m", mode, "-D", str(node.datadir))

    def promote(self, node: PGNode | str, timeout: float = 30) -> None:
        node = self._node(node)
        self._as_postgres(str(PG_BIN / "pg_ctl"), "promote", "-w", "-t", str(int(timeout)),
                          "-D", str(node.datadir))
        wait_until(lambda: self.psql(node, "SELECT pg_is_in_recovery()") == "f",
                   timeout, f"{node.name} to leave recovery")

    def promote_nowait(self, node: PGNode | str) -> None:
        """`pg_ctl promote` without waiting: the caller times the role change itself."""
        node = self._node(node)
        self._as_postgres(str(PG_BIN / "pg_ctl"), "promote", "-W", "-D", str(node.datadir))

    def reload(self, node: PGNode | str) -> None:
        self.psql(node, "SELECT pg_reload_conf()")

    def follow(self, node: PGNode | str, upstream: PGNode | str) -> None:
        """Re-point a standby at another (newly promoted) server.

        PostgreSQL 15 applies primary_conninfo on reload, and the default
        recovery_target_timeline = 'latest' makes it follow the new timeline.
        """
        node, upstream = self._node(node), self._node(upstream)
        conninfo = f"host={HOST} port={upstream.port} user=postgres application_name={node.name}"
        self.psql(node, f"ALTER SYSTEM SET primary_conninfo = '{conninfo}'")
        self.reload(node)

    def restart_as_standby(self, node: PGNode | str, upstream: PGNode | str) -> None:
        """Stop a (deposed) primary and start it as a standby of upstream without pg_rewind, as an operator
        who skipped it would: it keeps the WAL it wrote after the fork and cannot stream from upstream."""
        node, upstream = self._node(node), self._node(upstream)
        self.stop(node)
        signal = node.datadir / "standby.signal"
        signal.touch()
        os.chown(signal, self._uid, self._gid)
        self._append_conf(node, [f"primary_conninfo = 'host={HOST} port={upstream.port} user=postgres "
                                 f"application_name={node.name}'"])
        self.start(node)

    def wal_position(self, node: PGNode | str) -> int:
        """Bytes of WAL: written on a primary, replayed on a standby."""
        sql = ("SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
               "ELSE pg_current_wal_lsn() END, '0/0')::bigint")
        return int(self.psql(node, sql))

    def pause_replay(self, node: PGNode | str, timeout: float = 10) -> None:
        """Stop WAL replay on a standby (it keeps receiving, so only replay lags)."""
        self.psql(node, "SELECT pg_wal_replay_pause()")
        wait_until(lambda: self.psql(node, "SELECT pg_get_wal_replay_pause_state()") == "paused",
                   timeout, f"replay on {self._node(node).name} to pause")

    def resume_replay(self, node: PGNode | str) -> None:
        self.psql(node, "SELECT pg_wal_replay_resume()")

    def add_login_role(self, name: str, password: str, method: str = "scram-sha-256",
                       timeout: float = 20) -> None:
        """A LOGIN role that must authenticate with `method` (scram-sha-256 or md5).

        The password is hashed per `password_encryption` of the creating session,
        so md5 roles get an md5 hash. The hba line goes on top of every node's
        pg_hba.conf (first match wins) and every running node is reloaded.
        """
        encryption = "md5" if method == "md5" else "scram-sha-256"
        self.psql(self.primary, f"SET password_encryption = '{encryption}'; "
                                f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        for node in self.nodes.values():
            hba = node.datadir / "pg_hba.conf"
            hba.write_text(f"host all {name} {HOST}/32 {method}\n" + hba.read_text())
            if self.is_running(node):
                self.reload(node)
        for node in self.nodes.values():
            if self.is_running(node):
                wait_until(lambda: self.psql(node, f"SELECT count(*) FROM pg_roles WHERE rolname = '{name}'")
                           == "1", timeout, f"role {name} on {node.name}")

    def is_running(self, node: PGNode | str) -> bool:
        return (self._node(node).datadir / "postmaster.pid").exists()

    def psql(self, node: PGNode | str | int, sql: str, **kw) -> str:
        port = node if isinstance(node, int) else self._node(node).port
        return psql(port, sql, **kw)

    def teardown(self) -> None:
        """Stop every node we started (immediate mode) and remove the files."""
        for node in self.nodes.values():
            if not self.is_running(node):
                continue
            try:
                self.stop(node, mode="immediate")
            except Exception:
                self._kill_postmaster(node)
        shutil.rmtree(self.base, ignore_errors=True)

    @staticmethod
    def _kill_postmaster(node: PGNode) -> None:
        # Last resort: the postmaster PID that our own pg_ctl start recorded.
        try:
            pid = int((node.datadir / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.teardown()


# ---------------------------------------------------------------------------
# pgfloat config
# ---------------------------------------------------------------------------

def toml_value(v) -> str:
    """`v` (bool, int, str, a list of them or a dict of them: an inline table) as a TOML value."""
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string of plain text is a valid TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {v!r}")


def _toml_table(header: str, values: dict) -> str:
    """A table; a key whose value is None is left out, so a test can drop a test default
    (check={"interval": None} runs the check at pgfloat's own default interval)."""
    body = "".join(f"{k} = {toml_value(v)}\n" for k, v in values.items() if v is not None)
    return f"{header}\n{body}\n"


# Test defaults: short timeouts and a quick health check so tests stay fast.
# PGFLOAT_TEST_RELAY=sockmap runs every generated config with the kernel relay (`make integration-test-sockmap`),
# handing sessions over at their first quiet point, however short-lived.
TEST_GLOBAL = {"shutdown_grace": "10s", "log_sessions": True, "relay": os.environ.get("PGFLOAT_TEST_RELAY"),
               "relay_handoff_age": "0s" if os.environ.get("PGFLOAT_TEST_RELAY") else None}
TEST_DEFAULTS = {"timeout_connect": "2s", "timeout_client": "30m", "timeout_server": "30m",
                 "timeout_queue": "10s", "retries": 3, "maxconn": 10000}
TEST_CHECK = {"type": "tcp", "interval": "1s", "timeout": "1s", "rise": 1, "fall": 2}


def server(name: str, port: int, **extra) -> dict:
    return {"name": name, "address": f"{HOST}:{port}", "weight": 100, "maxconn": 200, **extra}


def listener(name: str, port: int, servers: list[str], balance: str = "roundrobin", **extra) -> dict:
    return {"name": name, "bind": [f"{HOST}:{port}"], "role": "any", "balance": balance,
            "maxconn": 1000, "servers": servers, **extra}


def pgfloat_config(servers: list[dict], listeners: list[dict], *, global_: dict | None = None,
                   defaults: dict | None = None, check: dict | None = None, dcs: dict | None = None) -> str:
    """Render a pgfloat TOML config; the keyword dicts override test defaults (None drops one).
    `dcs` adds a `[dcs]` table as given (it has no test defaults)."""
    text = _toml_table("[global]", {**TEST_GLOBAL, **(global_ or {})})
    text += _toml_table("[defaults]", {**TEST_DEFAULTS, **(defaults or {})})
    text += _toml_table("[check]", {**TEST_CHECK, **(check or {})})
    if dcs is not None:
        text += _toml_table("[dcs]", dcs)
    text += "".join(_toml_table("[[server]]", s) for s in servers)
    text += "".join(_toml_table("[[listener]]", lst) for lst in listeners)
    return text


# ---------------------------------------------------------------------------
# pgfloat process
# ---------------------------------------------------------------------------

SESSION_FIELD = re.compile(r"(\w+)=(\S+)")
READY = re.compile(r"\bready\b")


def parse_sessions(log: str) -> list[dict[str, str]]:
    """key=value fields of every `session` log line."""
    return [dict(SESSION_FIELD.findall(line)) for line in log.splitlines()
            if re.search(r"\bsession\b", line) and "end=" in line]


class PGFloat:
    """One `pgfloat run -c FILE` process with its own dir, config and log.

    With `stderr_pipe`, stderr is a pipe the test reads only when it calls `drain_stderr` (a stalled journald);
    stdout still goes to the log file, and what is drained is appended to it."""

    def __init__(self, config: str, binary: Path | None = None, args: tuple[str, ...] = (),
                 stderr_pipe: bool = False):
        self.binary = Path(binary or pgfloat_bin())
        self.args = list(args)
        self.stderr_pipe = stderr_pipe
        self.stderr_read: int | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="pgfloat-run-"))
        self.config_path = self.dir / "pgfloat.toml"
        self.log_path = self.dir / "pgfloat.log"
        # Kept across stop() and start() of this object, as StateDirectory= is across restarts of the unit.
        self.state_dir = self.dir / "state"
        self.config_path.write_text(config)
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None, "pgfloat not started"
        return self.proc.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sessions(self) -> list[dict[str, str]]:
        return parse_sessions(self.log_text())

    def wait_for_session(self, timeout: float = 10, **fields: str) -> dict[str, str]:
        """Wait until a session line with all the given field values is logged."""
        def match():
            return next((s for s in self.sessions()
                         if all(s.get(k) == v for k, v in fields.items())), None)
        return wait_until(match, timeout, f"a session line with {fields}")

    def launch(self) -> subprocess.Popen:
        """Start the process and return at once, before it is ready."""
        with open(self.log_path, "wb") as log:
            stderr_write = None
            if self.stderr_pipe:
                self.stderr_read, stderr_write = os.pipe()
                os.set_blocking(self.stderr_read, False)
            try:
                self.proc = subprocess.Popen([str(self.binary), "run", "-c", str(self.config_path), *self.args],
                                             stdin=subprocess.DEVNULL, stdout=log, env=pgfloat_env(self.state_dir),
                                             stderr=log if stderr_write is None else stderr_write)
            finally:
                if stderr_write is not None:
                    os.close(stderr_write)
        return self.proc

    def start(self, ports: list[int] | None = None, timeout: float = 20) -> "PGFloat":
        """Start and wait for `ready` in the log (or, failing that, every port accepting)."""
        self.launch()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgfloat exited {self.proc.returncode} before ready:\n"
                                   + self.log_tail())
            if READY.search(self.log_text()):
                return True
            return bool(ports) and all(port_accepts(p, timeout=0.2) for p in ports)

        try:
            wait_until(ready, timeout, "pgfloat to log `ready`")
        except TimeoutError as e:
            self.stop()
            raise TimeoutError(f"{e}\n{self.log_tail()}") from None
        return self

    def drain_stderr(self) -> int:
        """Reads what the stderr pipe holds now into the log file; returns how many bytes."""
        if self.stderr_read is None:
            return 0
        total = 0
        with open(self.log_path, "ab") as log:
            for _ in range(10_000):  # bounded: at most 640 MB per call
                try:
                    chunk = os.read(self.stderr_read, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                log.write(chunk)
                total += len(chunk)
        return total

    def _count(self, text: str) -> int:
        return self.log_text().count(text)

    def reload(self, new_config: str, timeout: float = 10) -> str:
        """Rewrite the config, SIGHUP, return "applied" or "failed"."""
        before = {k: self._count(f"reload {k}") for k in ("applied", "failed")}
        self.config_path.write_text(new_config)
        os.kill(self.pid, signal.SIGHUP)

        def outcome():
            return next((k for k, n in before.items() if self._count(f"reload {k}") > n), None)
        return wait_until(outcome, timeout, "`reload applied` or `reload failed` in the log")

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop()
        if self.stderr_read is not None:
            self.drain_stderr()
            os.close(self.stderr_read)
            self.stderr_read = None
        shutil.rmtree(self.dir, ignore_errors=True)


class FakeNotifySocket:
    """The service manager's end of $NOTIFY_SOCKET: a datagram socket that keeps what pgfloat tells systemd."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        path.chmod(0o777)
        self.messages: list[str] = []

    def wait_for(self, predicate, timeout: float, what: str) -> str:
        """Reads datagrams until one satisfies predicate; every one read is kept in `messages`."""
        def next_matching():
            self.sock.settimeout(0.2)
            try:
                text = self.sock.recv(4096).decode()
            except socket.timeout:
                return None
            self.messages.append(text)
            return text if predicate(text) else None
        return wait_until(next_matching, timeout, what, interval=0.001)

    def read_waiting(self) -> list[str]:
        """Reads the datagrams waiting now into `messages`; returns every message kept so far."""
        self.sock.setblocking(False)
        try:
            for _ in range(10_000):  # bounded; far more than a test's messages
                try:
                    self.messages.append(self.sock.recv(4096).decode())
                except BlockingIOError:
                    break
        finally:
            self.sock.setblocking(True)
        return self.messages

    def close(self):
        self.sock.close()


def pgfloat_check(config_path: Path, binary: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary or pgfloat_bin()), "check", "-c", str(config_path)],
                          capture_output=True, text=True, timeout=30)


def wait_active(ports: list[int], appname: str, timeout: float = 15) -> int:
    """Wait until a backend with this application_name is running a query on any port."""
    sql = ("SELECT count(*) FROM pg_stat_activity "
           f"WHERE application_name = '{appname}' AND state = 'active'")

    def found():
        return next((p for p in ports if psql(p, sql) != "0"), None)
    return wait_until(found, timeout, f"query of {appname} to be active")


def finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
    """Wait for a background psql; (exit code, stdout, stderr). Fails the test when it overruns."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"psql did not finish within {timeout}s; stderr: {err}")
    return proc.returncode, out, err
