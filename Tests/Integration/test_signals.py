"""Signals that arrive while pgfloat starts: held until it can act on them, never their default action.

The listeners accept before the daemon's signal sources exist (the kernel completes connects into the backlog), so
a client, a test or a configuration tool can see pgfloat up and send SIGHUP or SIGTERM at once. Before the fix a
SIGHUP in that window ended the process (SIGHUP's default action), which is what CI hit in test_config_parser.
pgfloat now blocks these signals before it does anything else and acts on them once everything has started: a
SIGHUP becomes a reload after `ready`, a SIGTERM or SIGINT a drain with exit status 0 that starts no VRRP (so a
node stopped during its start never takes the VIP) and tells systemd READY=1 then STOPPING=1 (a unit that exits
before READY=1 counts as failed and is restarted).

Each test sends its signal while pgfloat holds it (blocked on the main thread, per /proc/PID/status, and `ready`
not yet logged: the sources are created after it) and checks that it is pending there, so what is tested is a
held signal being acted on, not one that reached a source already listening.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

from harness import (READY, FakeNotifySocket, PGFloat, listener, pgfloat_bin, pgfloat_config, server,
                     skip_module_unless_runnable, wait_until)
from netns_lab import lab_fixture  # noqa: F401  (the `lab` fixture)
from test_vrrp import Node, workdir  # noqa: F401  (the three-node tests' node, alone here, and its folder)

skip_module_unless_runnable()

POLL_PERIOD = 0.002  # seconds between two looks at the starting process
STARTUP_BOUND = 20  # seconds for the whole start, as the harness's start() allows


def signal_masks(pid: int) -> dict[str, int]:
    """SigBlk (the main thread's blocked set) and ShdPnd (the process's pending set) as bit masks; empty once the
    process is gone."""
    fields = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return fields
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("SigBlk", "ShdPnd"):
            fields[key] = int(value.strip(), 16)
    return fields


def send_while_held(proc: subprocess.Popen, log_text: Callable[[], str], *signums: int) -> None:
    """Sends the signals once pgfloat blocks them and before it logs `ready`, then waits until the kernel shows
    them all pending: the state the fix must not lose. Fails the test if pgfloat ends or gets ready first."""
    bit = sum(1 << (signum - 1) for signum in signums)
    deadline = time.monotonic() + STARTUP_BOUND
    for _ in range(int(STARTUP_BOUND / POLL_PERIOD)):
        assert proc.poll() is None, f"pgfloat ended with {proc.returncode}:\n" + log_text()[-3000:]
        assert not READY.search(log_text()), "pgfloat was ready before the signal was held:\n" + log_text()[-3000:]
        assert time.monotonic() < deadline, "pgfloat never blocked the signal"
        masks = signal_masks(proc.pid)
        if masks.get("ShdPnd", 0) & bit == bit:
            return
        if masks.get("SigBlk", 0) & bit == bit:
            for signum in signums:
                proc.send_signal(signum)
        time.sleep(POLL_PERIOD)
    pytest.fail("the signal never showed as pending")


def config(cluster, port) -> str:
    return pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", port(), ["primary"])])


def test_sighup_held_during_startup_is_a_reload_once_ready(cluster, port):
    pf = PGFloat(config(cluster, port))
    pf.launch()
    try:
        send_while_held(pf.proc, pf.log_text, signal.SIGHUP)
        wait_until(lambda: "reload applied" in pf.log_text(), 10, "the held SIGHUP's reload")
        assert pf.proc.poll() is None, f"pgfloat ended with {pf.proc.returncode}:\n" + pf.log_tail()
        log = pf.log_text()
        ready = READY.search(log)
        assert ready and ready.start() < log.index("reloading"), "the reload ran before the start was over:\n" + log
    finally:
        pf.cleanup()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_held_during_startup_drains_without_becoming_ready(cluster, port, signum, monkeypatch, tmp_path):
    fake = FakeNotifySocket(tmp_path / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(fake.path))
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    pf = PGFloat(config(cluster, port))
    pf.launch()
    try:
        send_while_held(pf.proc, pf.log_text, signum)
        status = pf.wait_exit(timeout=STARTUP_BOUND)
        log = pf.log_text()
        assert status == 0, f"pgfloat ended with {status}, not a drain:\n" + pf.log_tail()
        assert "stop requested during the start: draining" in log, pf.log_tail()
        assert "signal received, draining" in log, pf.log_tail()
        assert not READY.search(log), "a node stopped during its start logged `ready`:\n" + pf.log_tail()
        # READY=1 and STOPPING=1 in datagrams of their own (in one, systemd takes STOPPING=1 and the unit stays
        # starting), and no watchdog pings: the watchdog never started.
        kinds = [m.splitlines()[0] for m in fake.read_waiting()]
        assert kinds == ["READY=1", "STOPPING=1"], fake.messages
    finally:
        pf.cleanup()
        fake.close()


def test_sighup_held_with_a_stop_is_not_applied(cluster, port):
    """Held together, the stop wins whichever source fires first: no reload binds listeners only to drain them."""
    pf = PGFloat(config(cluster, port))
    pf.launch()
    try:
        send_while_held(pf.proc, pf.log_text, signal.SIGHUP, signal.SIGTERM)
        status = pf.wait_exit(timeout=STARTUP_BOUND)
        log = pf.log_text()
        assert status == 0, f"pgfloat ended with {status}:\n" + pf.log_tail()
        assert "SIGHUP ignored while draining" in log, pf.log_tail()
        assert "reloading" not in log, pf.log_tail()
    finally:
        pf.cleanup()


def test_stop_held_during_startup_never_takes_the_vip(lab, workdir):
    """A priority-255 node would be master at once: stopped during its start, it must not add the VIP (taking it
    from the running master) nor wait out a release for a VRRP thread that never ran."""
    lab.add_host("p1")
    lab.add_host("db")
    vip = lab.vip()
    node = Node(lab, "p1", workdir, lab.address("db").split("/")[0], vip, priority=255)
    node.proc = lab.run("p1", str(pgfloat_bin()), "run", "-c", str(node.config))
    with lab.sample_holders(vip, ["p1"], interval=0.005) as samples:
        started = time.monotonic()
        send_while_held(node.proc, node.log, signal.SIGTERM)
        status = node.proc.wait(timeout=STARTUP_BOUND)
        took = time.monotonic() - started
    log = node.log()
    assert status == 0, log[-3000:]
    assert samples.samples and samples.max_holders() == 0, samples.report()
    assert "MASTER" not in node.transitions(), node.transitions()
    assert "VRRP did not stop in time" not in log, log[-3000:]
    # Without the guard the drain waits 4 advert intervals (1 s each) and a second for a thread never started.
    assert took < 4, f"the stop took {took:.1f} s:\n" + log[-3000:]
