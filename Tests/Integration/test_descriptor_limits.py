"""The open-file limit against `[defaults] maxconn`: `pgfloat run` raises the soft limit to the need
(2 x maxconn + 64 x servers + 256) when the hard limit allows, and warns when it does not; `pgfloat check` warns
(exit 0) when the hard limit is below the need.

Each child gets its limits from util-linux `prlimit`, which then execs pgfloat (so the PID stays pgfloat's). The
limits stay below the runner's own hard limit: a container without CAP_SYS_RESOURCE cannot go above it, root or not.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import PGFloat, listener, pgfloat_bin, pgfloat_config, server, skip_module_unless_runnable

skip_module_unless_runnable()

MAXCONN = 1000
# 2 x 1000 sessions + 64 x 1 server + 256: the formula of DescriptorBudget, written out.
NEED = 2 * MAXCONN + 64 + 256

if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < NEED + 1000:
    pytest.skip(f"the runner's hard open-file limit is below {NEED + 1000}", allow_module_level=True)


@pytest.fixture
def scratch():
    path = Path(tempfile.mkdtemp(prefix="pgfloat-nofile-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def config(port) -> str:
    # The server need not exist: only the start and the limits are looked at.
    return pgfloat_config([server("s1", port())], [listener("pg", port(), ["s1"])],
                          defaults={"maxconn": MAXCONN})


def with_limits(scratch: Path, soft: int, hard: int) -> Path:
    """A stand-in for the binary that runs the real one under these RLIMIT_NOFILE limits."""
    wrapper = scratch / f"pgfloat-{soft}-{hard}"
    wrapper.write_text(f'#!/bin/sh\nexec prlimit --nofile={soft}:{hard} -- "{pgfloat_bin()}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def check(scratch: Path, text: str, soft: int, hard: int) -> subprocess.CompletedProcess:
    path = scratch / "pgfloat.toml"
    path.write_text(text)
    return subprocess.run([str(with_limits(scratch, soft, hard)), "check", "-c", str(path)],
                          capture_output=True, text=True, timeout=30)


def open_file_limits(pid: int) -> tuple[int, int]:
    """Soft and hard `Max open files` of a running process."""
    text = Path(f"/proc/{pid}/limits").read_text()
    match = re.search(r"^Max open files\s+(\d+)\s+(\d+)", text, re.MULTILINE)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def test_check_warns_but_passes_when_the_hard_limit_is_below_the_need(scratch, port):
    result = check(scratch, config(port), soft=1024, hard=1024)
    assert result.returncode == 0, result.stdout + result.stderr
    warning = next((line for line in result.stdout.splitlines() if "warning" in line), None)
    assert warning is not None, result.stdout
    assert f"needs {NEED} open files" in warning, warning
    assert f"2 x {MAXCONN} sessions + 64 x 1 servers + 256" in warning, warning
    assert "hard limit is 1024" in warning, warning
    assert result.stdout.rstrip().endswith("configuration is valid"), result.stdout


def test_check_is_quiet_when_the_hard_limit_covers_the_need(scratch, port):
    result = check(scratch, config(port), soft=1024, hard=NEED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout, result.stdout


def test_run_raises_the_soft_limit_to_the_need(scratch, port):
    pf = PGFloat(config(port), binary=with_limits(scratch, 1024, NEED + 1000))
    try:
        pf.start()
        assert open_file_limits(pf.pid) == (NEED, NEED + 1000)
        assert re.search(rf"open-file limit raised .*set={NEED}", pf.log_text()), pf.log_tail()
    finally:
        pf.cleanup()


def test_run_leaves_a_sufficient_soft_limit_alone(scratch, port):
    pf = PGFloat(config(port), binary=with_limits(scratch, NEED + 10, NEED + 10))
    try:
        pf.start()
        assert open_file_limits(pf.pid) == (NEED + 10, NEED + 10)
        assert "open-file limit suffices" in pf.log_text(), pf.log_tail()
    finally:
        pf.cleanup()


def test_run_warns_and_takes_the_hard_limit_when_it_is_below_the_need(scratch, port):
    pf = PGFloat(config(port), binary=with_limits(scratch, 1024, 2048))
    try:
        pf.start()
        assert open_file_limits(pf.pid) == (2048, 2048)
        warning = next((line for line in pf.log_text().splitlines() if "hard limit is 2048" in line), None)
        assert warning is not None and " warning " in warning, pf.log_tail()
        assert f"needs {NEED} open files" in warning, warning
    finally:
        pf.cleanup()
