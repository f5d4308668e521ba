"""Logging must never stop pgfloat: stderr is a pipe nobody reads (a stalled journald) while clients connect.

Before the log writer, every line was a blocking write to stderr: once the pipe (64 KiB) was full, the data
plane stopped in the middle of a session's log line, so relaying, the admin socket's `show info` (which asks the
data plane) and, under systemd, the watchdog all stopped. Now lines go to a bounded buffer (shrunk here with the
hidden `--log-buffer-bytes` so a few hundred sessions overflow it); what does not fit is dropped and counted in
`pgfloat_log_lines_dropped_total`.
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from pathlib import Path

from harness import (HOST, PGFloat, client_env, free_port, listener, parse_pgbench, pgfloat_bin, pgfloat_config,
                     server, skip_module_unless_runnable, wait_until)

skip_module_unless_runnable()

CLIENTS, TRANSACTIONS = 4, 200  # 800 sessions, one connection each (-C), ~140 KB of session lines


def admin(sock: Path, line: str, timeout: float = 5) -> str:
    """One command on the admin socket: send, half-close, read to EOF."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(sock))
        s.sendall(line.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply.decode(errors="replace")


def info(sock: Path) -> dict[str, str]:
    text = admin(sock, "show info")
    assert "Name: pgfloat" in text, text
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def metric(sport: int, name: str) -> float | None:
    import http.client
    conn = http.client.HTTPConnection(HOST, sport, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def test_a_stderr_nobody_reads_stops_neither_sessions_nor_the_admin_socket(cluster, tmp_path):
    lport, sport = free_port(), free_port()
    sock = tmp_path / "admin.sock"
    config = pgfloat_config(
        [server("primary", cluster.primary.port, maxconn=80)], [listener("pg", lport, ["primary"])],
        global_={"admin_socket": str(sock), "stats_bind": f"{HOST}:{sport}"})
    init = subprocess.run(["pgbench", "-i", "-s", "1", "-q", "-h", HOST, "-p", str(cluster.primary.port),
                           "-U", "postgres", "postgres"], capture_output=True, text=True, timeout=120,
                          env=client_env())
    assert init.returncode == 0, init.stderr

    pf = PGFloat(config, args=("--log-buffer-bytes", "16384"), stderr_pipe=True)
    try:
        pf.start(ports=[lport, sport])
        # The admin socket is asked all along; each answer must come within its 5 s timeout.
        answers: list[float] = []
        failures: list[str] = []
        done = threading.Event()

        def ask_all_along():
            while not done.is_set():
                started = time.monotonic()
                try:
                    info(sock)
                    answers.append(time.monotonic() - started)
                except (OSError, AssertionError) as e:
                    failures.append(repr(e))
                done.wait(0.5)

        asker = threading.Thread(target=ask_all_along, daemon=True)
        asker.start()
        try:
            bench = subprocess.run(
                ["pgbench", "-n", "-C", "-S", "-c", str(CLIENTS), "-t", str(TRANSACTIONS), "-h", HOST,
                 "-p", str(lport), "-U", "postgres", "postgres"],
                capture_output=True, text=True, timeout=90, env=client_env())
        finally:
            done.set()
            asker.join(timeout=10)
        assert bench.returncode == 0, bench.stdout + bench.stderr
        result = parse_pgbench(bench.stdout)
        assert result["processed"] == CLIENTS * TRANSACTIONS and result["failed"] == 0, bench.stdout
        assert not failures, f"show info failed while stderr was stalled: {failures[:3]}"
        assert answers, "show info was never answered"
        stalled = info(sock)
        dropped = int(stalled["LogLinesDropped"])
        assert dropped > 0, stalled

        # Someone reads stderr again: what was buffered comes out, then how many lines were lost.
        wait_until(lambda: pf.drain_stderr() >= 0 and "log lines dropped" in pf.log_text(), 10,
                   "the dropped-lines notice on stderr")
        assert metric(sport, "pgfloat_log_lines_dropped_total") >= dropped
        noticed = sum(int(n) for n in re.findall(r" (\d+) log lines dropped", pf.log_text()))
        assert 0 < noticed <= int(info(sock)["LogLinesDropped"])
        assert pf.sessions(), "session lines written before and after the stall"
    finally:
        code = pf.stop(timeout=30)
        pf.drain_stderr()
        log = pf.log_text()
        pf.cleanup()
    # The lines of the graceful stop were drained to stderr before the process exited.
    assert code == 0
    assert re.search(r"\binfo stopped\b", log), log[-3000:]


def test_fatal_config_errors_reach_stderr_before_exit(tmp_path):
    """The writer thread is asynchronous: without the drain on exit these lines would be lost with the process."""
    config = tmp_path / "pgfloat.toml"
    config.write_text("[global]\nbogus_key = 1\n")
    run = subprocess.run([str(pgfloat_bin()), "run", "-c", str(config)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 1, run.stderr
    assert re.search(r"critical .*pgfloat\.toml:2: global\.bogus_key: unknown key", run.stderr), run.stderr
    assert "no [[listener]] defined" in run.stderr, run.stderr
