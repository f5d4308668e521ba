"""The configuration parser runs in a child process first: toml++ (inside TOMLKit) aborts on a failed assertion,
and such an abort on SIGHUP must not end the daemon and every client session with it.

No input is known that trips a toml++ assertion past ConfigModel's TOMLCrashGuard (the two the fuzzer found are
screened), so the child is made to crash with its fault-injection hook: with PGFLOAT_TEST_PARSER_ABORT_ON set in
the daemon's environment, the child (`pgfloat parse-config`, and nothing else) calls abort() when the text
contains that string, exactly as a failed assertion would. The daemon itself never reads the variable.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from harness import (finish, listener, pgfloat_bin, pgfloat_check, pgfloat_config, port_accepts, psql, server,
                     skip_module_unless_runnable, start_psql, wait_active)

skip_module_unless_runnable()

FAULT = "PGFLOAT_TEST_PARSER_ABORT_ON"
MARKER = "# pgfloat-test: abort the parser here"
CRASH = "the configuration parser crashed"


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
