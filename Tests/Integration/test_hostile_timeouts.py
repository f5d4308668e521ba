"""Hostile traffic as a user sees it, around the data plane's timeouts and limits (issue 14):

    1. COPY TO and COPY FROM streaming for ~6 s through pgfloat with timeout_client = timeout_server = 3s both
       complete (writing to a side is activity on it, as in HAProxy), while a session idle both ways is cut.
       The same three runs through HAProxy (timeout client/server 3s) are printed for the record, not asserted.
    2. 200 connects that send nothing, on a listener with maxconn 200: psql still gets in at once (they wait
       in the kernel under TCP_DEFER_ACCEPT), and pgfloat closes them after timeout_startup.
    3. maxconn_per_source = 2: a third concurrent client from 127.0.0.1 gets 53300 with pgfloat's message.

Each test runs its own daemon (the timeouts are process-wide `[defaults]`, unlike test_hostile's shared one).
The measured times are printed on lines prefixed `hostile:` (run with `-s` or `-rP` to see them).
"""

from __future__ import annotations

import os
import select
import selectors
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from harness import (HOST, client_env, listener, pgfloat_config, port_accepts, psql, psql_cmd, run_psql, server,
                     skip_module_unless_runnable, wait_until)
from wire import error_fields, read_message, startup_packet

skip_module_unless_runnable()

IDLE_TIMEOUT = 3  # timeout_client and timeout_server of test 1, in seconds
COPY_ROWS = 600  # COPY TO: one pg_sleep(0.01) per row, ~6 s
COPY_IN_LINES = 120  # COPY FROM: one line every COPY_IN_PACE seconds, ~6 s
COPY_IN_PACE = 0.05
# Over the 8 KiB send buffers of the backend (COPY TO) and of psql/libpq (COPY FROM): each row leaves at once
# instead of waiting in a buffer, so the bytes really flow for the whole run.
ROW_BYTES = 9000
SILENT_CONNECTS = 200
TIMEOUT_STARTUP = 10  # pgfloat's default, which test 2 keeps
# TCP_DEFER_ACCEPT counts SYN-ACK retransmits (1, 2, 4, 8 s apart): 10 s becomes 4 of them, so a silent connect
# reaches pgfloat after 15 s and is closed timeout_startup later (plus up to a 1 s sweep), ~26 s in all.
SILENT_CLOSE_LIMIT = 35


def report(line: str) -> None:
    print(f"hostile: {line}", flush=True)


def in_thread(target, *args) -> tuple[threading.Thread, dict]:
    """Runs `target(*args)` in a thread; its result or exception ends up in the returned dict."""
    box: dict = {}

    def body():
        try:
            box["result"] = target(*args)
        except BaseException as e:  # noqa: BLE001 (re-raised by collect)
            box["error"] = e
    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, box


def collect(run: tuple[threading.Thread, dict], timeout: float, what: str) -> dict:
    thread, box = run
    thread.join(timeout)
    assert not thread.is_alive(), f"{what} did not finish within {timeout}s"
    if "error" in box:
        raise box["error"]
    return box["result"]


# ---------------------------------------------------------------------------
# HAProxy, for the record
# ---------------------------------------------------------------------------

class HAProxy:
    """HAProxy in TCP mode in front of one server with the given client and server timeouts; its tcplog lines
    (one per connection, with the termination state) go to a file."""

    def __init__(self, port: int, server_port: int, workdir: Path, timeout: str):
        self.port = port
        self.config = workdir / "haproxy.cfg"
        self.log = workdir / "haproxy.log"
        self.config.write_text(f"""global
    nbthread 1
    log stdout format raw local0
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client {timeout}
    timeout server {timeout}
frontend pg
    bind {HOST}:{port}
    default_backend pg
backend pg
    server primary {HOST}:{server_port}
""")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        check = subprocess.run(["haproxy", "-c", "-q", "-f", str(self.config)], capture_output=True, text=True,
                               timeout=30)
        assert check.returncode == 0, check.stderr
        with open(self.log, "wb") as log:
            # -db: one foreground process, so the PID is the one doing the work.
            self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(self.config)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)

        def listening():
            assert self.proc.poll() is None, f"haproxy exited {self.proc.returncode}: {self.log.read_text()}"
            return port_accepts(self.port, timeout=0.2)
        wait_until(listening, 10, "haproxy to listen")

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


# ---------------------------------------------------------------------------
# 1. streams longer than the idle timeouts, and an idle session
# ---------------------------------------------------------------------------

def copy_out(port: int) -> dict:
    """`COPY (...) TO STDOUT` whose rows the server produces one per 10 ms, each sent as it is made; the client
    only receives. Returns the exit code, rows, duration and the longest gap between two arrivals."""
    sql = (f"COPY (SELECT g, pg_sleep(0.01), repeat('x', {ROW_BYTES}) FROM generate_series(1, {COPY_ROWS}) g) "
           "TO STDOUT")
    started = time.monotonic()
    proc = subprocess.Popen(psql_cmd(port, sql), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=client_env())
    arrivals: list[float] = []
    rows = 0
    try:
        fd = proc.stdout.fileno()
        deadline = started + 30
        for _ in range(1_000_000):  # bounded in time by the deadline, in count for the rule
            remaining = deadline - time.monotonic()
            assert remaining > 0, "COPY TO did not finish within 30 s"
            if not select.select([fd], [], [], remaining)[0]:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            arrivals.append(time.monotonic())
            rows += chunk.count(b"\n")
        code = proc.wait(timeout=10)
        stderr = proc.stderr.read().decode(errors="replace").strip()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    return {"code": code, "rows": rows, "took": time.monotonic() - started, "stderr": stderr,
            "streamed": arrivals[-1] - arrivals[0] if arrivals else 0.0, "max_gap": max(gaps, default=0.0)}


def copy_in(port: int, table: str) -> dict:
    """`COPY table FROM STDIN` fed one line every COPY_IN_PACE seconds; the server answers only at the end."""
    started = time.monotonic()
    proc = subprocess.Popen(psql_cmd(port, f"COPY {table} FROM STDIN"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=client_env())
    line = b"y" * ROW_BYTES + b"\n"
    sent, broken = 0, ""
    try:
        for _ in range(COPY_IN_LINES):
            proc.stdin.write(line)
            proc.stdin.flush()
            sent += 1
            time.sleep(COPY_IN_PACE)  # paces the stream (a slow writer), not a wait for a condition
    except BrokenPipeError:
        broken = f"psql stopped reading after {sent} lines"
    finally:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    try:
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    stderr = proc.stderr.read().decode(errors="replace").strip()
    return {"code": code, "sent": sent, "took": time.monotonic() - started,
            "stdout": proc.stdout.read().decode(errors="replace").strip(), "stderr": (broken + " " + stderr).strip()}


def idle(port: int) -> dict:
    """A query that sends nothing either way for 6 s."""
    started = time.monotonic()
    r = run_psql(port, "SELECT pg_sleep(6)", timeout=30)
    return {"code": r.returncode, "took": time.monotonic() - started, "stderr": r.stderr.strip()}


def sample_copy_in_progress(primary_port: int, runs: list[threading.Thread], limit: float) -> dict[str, list[int]]:
    """pg_stat_progress_copy's tuples_processed of every running COPY FROM, by table, while `runs` go on."""
    seen: dict[str, list[int]] = {}
    deadline = time.monotonic() + limit
    for _ in range(int(limit / 0.25) + 1):
        if not any(t.is_alive() for t in runs) or time.monotonic() >= deadline:
            break
        out = psql(primary_port, "SELECT relid::regclass::text || ' ' || tuples_processed "
                                 "FROM pg_stat_progress_copy WHERE command = 'COPY FROM'")
        for row in out.splitlines():
            table, count = row.split()
            seen.setdefault(table, []).append(int(count))
        time.sleep(0.25)  # the sampling interval
    return seen


def describe(proxy: str, kind: str, r: dict, progress: list[int] | None = None) -> str:
    if kind == "copy-out":
        what = f"{r['rows']} rows, streamed {r['streamed']:.1f}s, longest gap {r['max_gap']:.2f}s"
    elif kind == "copy-in":
        what = f"{r['sent']} lines sent, psql said {r['stdout'] or '-'}, tuples seen mid-stream {progress or []}"
    else:
        what = "SELECT pg_sleep(6)"
    error = f"; stderr: {r['stderr']}" if r["stderr"] else ""
    return f"{proxy} {kind}: exit={r['code']} after {r['took']:.1f}s; {what}{error}"


def test_streams_outlive_idle_timeouts_and_idle_sessions_do_not(cluster, pgfloat, port, tmp_path):
    """Pre-issue pgfloat counted only reads as activity: the COPY TO was cut as client-timeout and the COPY FROM
    as server-timeout after 3 s. Everything runs at once, so the test takes one stream's time (~7 s)."""
    lport, hport = port(), port()
    primary = cluster.primary.port
    timeouts = {"timeout_client": f"{IDLE_TIMEOUT}s", "timeout_server": f"{IDLE_TIMEOUT}s"}
    pf = pgfloat(pgfloat_config([server("primary", primary)], [listener("pg", lport, ["primary"])], defaults=timeouts),
                 ports=[lport])
    proxies = {"pgfloat": lport}
    haproxy = HAProxy(hport, primary, tmp_path, f"{IDLE_TIMEOUT}s") if shutil.which("haproxy") else None
    if haproxy:
        proxies["haproxy"] = hport
    else:
        report("haproxy is not installed: the runs for the record are left out")
    tables = {proxy: f"hostile_copy_in_{proxy}" for proxy in proxies}
    for table in tables.values():
        psql(primary, f"DROP TABLE IF EXISTS {table}; CREATE UNLOGGED TABLE {table} (line text)")
    try:
        if haproxy:
            haproxy.start()
        runs = {}
        for proxy, p in proxies.items():
            runs[proxy, "copy-out"] = in_thread(copy_out, p)
            runs[proxy, "copy-in"] = in_thread(copy_in, p, tables[proxy])
            runs[proxy, "idle"] = in_thread(idle, p)
        progress = sample_copy_in_progress(primary, [t for t, _ in runs.values()], 40)
        results = {key: collect(run, 60, f"{key[0]} {key[1]}") for key, run in runs.items()}
        loaded = {proxy: int(psql(primary, f"SELECT count(*) FROM {table}")) for proxy, table in tables.items()}
    finally:
        if haproxy:
            haproxy.stop()
        for table in tables.values():
            psql(primary, f"DROP TABLE IF EXISTS {table}")

    for (proxy, kind), r in results.items():
        report(describe(proxy, kind, r, progress.get(tables[proxy])) +
               (f", {loaded[proxy]} rows in the table" if kind == "copy-in" else ""))
    if haproxy:
        report("haproxy tcplog (termination state -- is a normal end, cD a client-side timeout; "
               "the first line is this test's listen probe):")
        for line in haproxy.log_lines():
            report(f"haproxy log: {line}")

    out, into, still = (results["pgfloat", k] for k in ("copy-out", "copy-in", "idle"))
    assert out["code"] == 0 and out["rows"] == COPY_ROWS, describe("pgfloat", "copy-out", out)
    # It streamed for longer than both timeouts, without a pause anywhere near them.
    assert out["streamed"] > 2 * IDLE_TIMEOUT * 0.8 and out["max_gap"] < 1, describe("pgfloat", "copy-out", out)
    assert into["code"] == 0 and loaded["pgfloat"] == COPY_IN_LINES, describe("pgfloat", "copy-in", into)
    assert into["took"] > 2 * IDLE_TIMEOUT * 0.8, describe("pgfloat", "copy-in", into)
    # The server really received the rows as they came, not all at the end.
    mid_stream = {n for n in progress.get(tables["pgfloat"], []) if 0 < n < COPY_IN_LINES}
    assert len(mid_stream) >= 3, f"pg_stat_progress_copy saw {progress.get(tables['pgfloat'])}"
    assert still["code"] != 0 and "closed the connection" in still["stderr"], describe("pgfloat", "idle", still)
    assert still["took"] < 6, describe("pgfloat", "idle", still)

    def timed_out():
        return [s for s in pf.sessions() if s.get("end") in ("client-timeout", "server-timeout")]
    cut = wait_until(timed_out, 10, "the idle session's line with end=client-timeout or server-timeout")
    report(f"pgfloat idle: session line end={cut[0]['end']} total_ms={cut[0].get('total_ms', '-')}")
    assert len(cut) == 1, f"only the idle session may time out: {cut}"


# ---------------------------------------------------------------------------
# 2. silent connects
# ---------------------------------------------------------------------------

def wait_for_eof(socks: list[socket.socket], since: float, limit: float) -> list[float]:
    """Seconds from `since` until each socket saw EOF (or a reset), for those that did within `limit`."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    closed: list[float] = []
    deadline = since + limit
    try:
        for _ in range(len(socks) * 10 + 100):  # bounded: each pass ends a socket, reads bytes or times out
            remaining = deadline - time.monotonic()
            if len(closed) == len(socks) or remaining <= 0:
                break
            for key, _ in sel.select(remaining):
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    closed.append(time.monotonic() - since)
                    sel.unregister(key.fileobj)
    finally:
        sel.close()
    return closed


def test_silent_connects_neither_block_psql_nor_stay(cluster, pgfloat, port):
    """Pre-issue pgfloat accepted them at once and gave them timeout_client (30m here) to speak: the listener stayed
    full and psql waited in the backlog until its connect timeout. Without TCP_DEFER_ACCEPT but with
    timeout_startup, psql would get in only when they are closed, ~10 s later."""
    lport = port()
    pf = pgfloat(pgfloat_config([server("primary", cluster.primary.port)],
                                [listener("pg", lport, ["primary"], maxconn=SILENT_CONNECTS)]), ports=[lport])
    silent: list[socket.socket] = []
    try:
        for _ in range(SILENT_CONNECTS):
            silent.append(socket.create_connection((HOST, lport), timeout=5))
        made = time.monotonic()
        r = run_psql(lport, "SELECT 1", timeout=30, env=client_env(PGCONNECT_TIMEOUT="20"))
        answered = time.monotonic() - made
        report(f"silent connects: {SILENT_CONNECTS} held on a listener with maxconn {SILENT_CONNECTS}; "
               f"psql SELECT 1 answered {answered:.2f}s after them (exit {r.returncode})")
        assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
        # What a user may be promised: within timeout_startup, when the silent ones are closed to make room.
        assert answered < TIMEOUT_STARTUP + 2, f"psql took {answered:.2f}s"
        # What TCP_DEFER_ACCEPT gives: the silent ones never took a place, so psql did not wait for one.
        assert answered < 3, f"psql took {answered:.2f}s: the silent connects held the listener's places"

        closed = wait_for_eof(silent, made, SILENT_CLOSE_LIMIT)
        spread = f"first after {min(closed):.1f}s, last after {max(closed):.1f}s " if closed else ""
        report(f"silent connects: {len(closed)} of {SILENT_CONNECTS} closed by pgfloat within {SILENT_CLOSE_LIMIT}s, "
               f"{spread}(timeout_startup {TIMEOUT_STARTUP}s after TCP_DEFER_ACCEPT lets them in)")
        assert len(closed) == SILENT_CONNECTS
    finally:
        for s in silent:
            s.close()

    def startup_timeouts():
        n = sum(1 for s in pf.sessions() if s.get("end") == "startup-timeout")
        return n if n >= SILENT_CONNECTS else None
    report(f"silent connects: {wait_until(startup_timeouts, 10, 'their startup-timeout lines')} "
           "session lines with end=startup-timeout")


# ---------------------------------------------------------------------------
# 3. connections per source address
# ---------------------------------------------------------------------------

def open_session(lport: int) -> socket.socket:
    """A session through pgfloat, started by hand up to ReadyForQuery and then left open."""
    s = socket.create_connection((HOST, lport), timeout=10)
    s.sendall(startup_packet("hostile-held"))
    for _ in range(100):  # AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery
        kind, body = read_message(s)
        assert kind != b"E", error_fields(body)
        if kind == b"Z":
            return s
    raise AssertionError("no ReadyForQuery within 100 messages")


def test_third_connection_from_one_host_gets_53300(cluster, pgfloat, port):
    lport = port()
    pgfloat(pgfloat_config([server("primary", cluster.primary.port)],
                           [listener("pg", lport, ["primary"], maxconn_per_source=2)]), ports=[lport])
    message = 'pgfloat: too many connections from this client host for "pg"'
    held = [open_session(lport), open_session(lport)]
    try:
        r = run_psql(lport, "SELECT 1", timeout=15)
        report(f"per source: third psql from {HOST}: exit {r.returncode}, stderr: {r.stderr.strip()}")
        assert r.returncode != 0 and message in r.stderr, r.stderr

        # psql prints the message only; the SQLSTATE, read off the wire.
        with socket.create_connection((HOST, lport), timeout=10) as s:
            s.sendall(startup_packet("hostile-third"))
            kind, body = read_message(s)
        fields = error_fields(body)
        report(f"per source: third startup by hand: {fields.get('S')} {fields.get('C')} {fields.get('M')!r}")
        assert kind == b"E" and fields.get("C") == "53300" and fields.get("M") == message, fields
    finally:
        held.pop().close()

    # One slot freed: the next psql gets in (as soon as pgfloat has seen that session end).
    wait_until(lambda: run_psql(lport, "SELECT 1", timeout=15).returncode == 0, 10, "psql to get in again")
    for s in held:
        s.close()
