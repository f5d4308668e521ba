"""The configuration parser runs in a child process first: toml++ (inside TOMLKit) aborts on a failed assertion,
and such an abort on SIGHUP must not end the daemon and every client session with it.

No input is known that trips a toml++ assertion past ConfigModel's TOMLCrashGuard (the four the fuzzer found are
screened; SCREENED holds the last two, which now fail a reload with their line), so the child is made to fail with
its fault-injection hooks: with PGFLOAT_TEST_PARSER_ABORT_ON set in the daemon's environment, the child
(`pgfloat parse-config`, and nothing else) calls abort() when the text contains that string, exactly as a failed
assertion would; with PGFLOAT_TEST_PARSER_HANG_ON it sleeps instead of answering. The daemon itself only passes the
variables on.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from harness import (finish, listener, pgfloat_bin, pgfloat_check, pgfloat_config, port_accepts, psql, server,
                     skip_module_unless_runnable, socat, start_psql, wait_active, wait_until)

skip_module_unless_runnable()

FAULT = "PGFLOAT_TEST_PARSER_ABORT_ON"
MARKER = "# pgfloat-test: abort the parser here"
CRASH = "the configuration parser crashed"
# toml++'s parse_time assertion (a date, "T", no digit) and its type scan's (a date, a blank, one digit).
SCREENED = ["log_sessions = 2000-01-01T:", "log_sessions = 2000-01-01 1"]
HANG_FAULT = "PGFLOAT_TEST_PARSER_HANG_ON"
HANG_MARKER = "# pgfloat-test: hang the parser here"


def parser_children(pid: int) -> list[int]:
    """The `parse-config` children of process `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
        if ppid == pid and b"parse-config" in argv:
            found.append(int(entry.name))
    return found


def test_reload_survives_a_parser_crash_and_keeps_serving(cluster, pgfloat, port, monkeypatch):
    monkeypatch.setenv(FAULT, MARKER)  # the daemon inherits it; the harness starts it with this environment
    lport = port()
    config = pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", lport, ["primary"])])
    pf = pgfloat(config, ports=[lport])

    held = start_psql(lport, "SELECT pg_sleep(3); SELECT 42", appname="pgfloat-parser-crash")
    try:
        wait_active([cluster.primary.port], "pgfloat-parser-crash")
        # A change that would add a listener, in a file whose parse crashes: nothing of it may apply.
        new_lport = port()
        changed = pgfloat_config([server("primary", cluster.primary.port)],
                                 [listener("pg", lport, ["primary"]), listener("pg2", new_lport, ["primary"])])
        assert pf.reload(changed + MARKER + "\n") == "failed", pf.log_tail()
        assert pf.proc.poll() is None, "pgfloat died with its parser"
        line = next(l for l in pf.log_text().splitlines() if f"reload failed: {CRASH}" in l)
        assert re.search(r"\berror\b", line) and 'signal="6 (Aborted)"' in line, line
        assert psql(lport, "SELECT 1") == "1"
        code, out, err = finish(held, timeout=20)
    finally:
        if held.poll() is None:
            held.kill()
    assert code == 0, err
    assert "42" in out.split(), out
    assert not port_accepts(new_lport), "a listener of the file whose parse crashed is up"

    # The same file without the marker is a normal reload.
    assert pf.reload(changed) == "applied", pf.log_tail()
    assert psql(new_lport, "SELECT 1") == "1"


def test_reload_reports_a_screened_toml_assertion_with_its_line(cluster, pgfloat, port):
    lport = port()
    config = pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", lport, ["primary"])])
    pf = pgfloat(config, ports=[lport])
    for value in SCREENED:
        broken = config.replace("[global]\n", "[global]\n" + value + "\n", 1)
        line = broken.splitlines().index(value) + 1

        assert pf.reload(broken) == "failed", pf.log_tail()
        assert pf.proc.poll() is None, "pgfloat died with its parser:\n" + pf.log_tail()
        assert f"{pf.config_path}:{line}: syntax: Error while parsing date-time" in pf.log_text(), pf.log_tail()
    assert CRASH not in pf.log_text(), pf.log_tail()
    assert psql(lport, "SELECT 1") == "1"


def test_check_and_start_report_a_parser_crash_as_a_problem_of_the_file(monkeypatch):
    monkeypatch.setenv(FAULT, MARKER)
    with tempfile.TemporaryDirectory(prefix="pgfloat-parser-") as folder:
        path = Path(folder) / "pgfloat.toml"
        path.write_text(pgfloat_config([server("pg1", 5432)], [listener("pg", 6432, ["pg1"])]) + MARKER + "\n")

        checked = pgfloat_check(path)
        assert checked.returncode == 1, checked
        assert checked.stdout.startswith(f"{path}:0: -: {CRASH} (signal 6, Aborted)"), checked.stdout
        assert checked.stderr == "", "no abort trace: " + checked.stderr

        started = subprocess.run([str(pgfloat_bin()), "run", "-c", str(path)], capture_output=True, text=True,
                                 timeout=30)
        assert started.returncode == 1, started
        assert f"critical {path}:0: -: {CRASH} (signal 6, Aborted)" in started.stderr, started.stderr


def test_a_hanging_parser_is_killed_while_the_admin_socket_and_proxy_keep_answering(cluster, pgfloat, port,
                                                                                    monkeypatch):
    monkeypatch.setenv(HANG_FAULT, HANG_MARKER)
    with tempfile.TemporaryDirectory(prefix="pgfloat-parser-") as folder:
        sock = Path(folder) / "admin.sock"
        lport = port()
        config = pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", lport, ["primary"])],
                                global_={"admin_socket": str(sock)})
        pf = pgfloat(config, ports=[lport])

        pf.config_path.write_text(config + HANG_MARKER + "\n")
        os.kill(pf.pid, signal.SIGHUP)
        child = wait_until(lambda: parser_children(pf.pid), 5, "the parser's child to start")[0]
        # The reload waits for the child on the control queue; the admin loop and the data plane do not.
        started = time.monotonic()
        assert "Name: pgfloat" in socat(sock, "show info")
        assert psql(lport, "SELECT 1") == "1"
        assert time.monotonic() - started < 5, "the admin socket or the proxy waited for the parser"
        assert parser_children(pf.pid) == [child], "answered before the child was killed, not after"

        line = wait_until(lambda: next((l for l in pf.log_text().splitlines()
                                        if "reload failed: the configuration parser did not answer" in l), None),
                          20, "the timed-out reload in the log")
        assert "within 10.0 seconds, killed" in line, line
        wait_until(lambda: not parser_children(pf.pid), 5, "the killed child to be reaped")
        assert pf.proc.poll() is None
        assert psql(lport, "SELECT 1") == "1"
