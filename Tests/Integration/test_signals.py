"""Signals that arrive while pgfloat starts: held until it can act on them, never their default action.

The listeners accept before the daemon's signal sources exist (the kernel completes connects into the backlog), so
a client, a test or a configuration tool can see pgfloat up and send SIGHUP or SIGTERM at once. Before the fix a
SIGHUP in that window ended the process (SIGHUP's default action), which is what CI hit in test_config_parser.
pgfloat now blocks these signals before it does anything else and acts on them once everything has started: a
SIGHUP becomes a reload, a SIGTERM or SIGINT a drain with exit status 0, without `ready` and without VRRP.

Each test sends its signal while pgfloat holds it (blocked on the main thread, per /proc/PID/status, and `ready`
not yet logged: the sources are created after it) and checks that it is pending there, so what is tested is a
held signal being acted on, not one that reached a source already listening.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from harness import READY, PGFloat, listener, pgfloat_config, server, skip_module_unless_runnable, wait_until

skip_module_unless_runnable()

POLL_PERIOD = 0.002  # seconds between two looks at the starting process
STARTUP_BOUND = 20  # seconds for the whole start, as the harness's start() allows


def signal_masks(pid: int) -> dict[str, int]:
    """SigBlk (the main thread's blocked set) and ShdPnd (the process's pending set) as bit masks."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("SigBlk", "ShdPnd"):
            fields[key] = int(value.strip(), 16)
    return fields


def send_while_held(pf: PGFloat, signum: int) -> None:
    """Sends `signum` once pgfloat blocks it and before it logs `ready`, then waits until the kernel shows it
    pending: the state the fix must not lose. Fails the test if pgfloat ends or gets ready first."""
    bit = 1 << (signum - 1)
    deadline = time.monotonic() + STARTUP_BOUND
    for _ in range(int(STARTUP_BOUND / POLL_PERIOD)):
        assert pf.proc.poll() is None, f"pgfloat ended with {pf.proc.returncode}:\n" + pf.log_tail()
        assert not READY.search(pf.log_text()), "pgfloat was ready before the signal was held:\n" + pf.log_tail()
        assert time.monotonic() < deadline, "pgfloat never blocked the signal"
        masks = signal_masks(pf.pid)
        if masks["ShdPnd"] & bit:
            return
        if masks["SigBlk"] & bit:
            pf.proc.send_signal(signum)
        time.sleep(POLL_PERIOD)
    pytest.fail("the signal never showed as pending")


def config(cluster, port) -> str:
    return pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", port(), ["primary"])])


def test_sighup_held_during_startup_is_a_reload_once_running(cluster, port):
    pf = PGFloat(config(cluster, port))
    pf.launch()
    try:
        send_while_held(pf, signal.SIGHUP)
        wait_until(lambda: "reload applied" in pf.log_text(), 10, "the held SIGHUP's reload")
        assert pf.proc.poll() is None, f"pgfloat ended with {pf.proc.returncode}:\n" + pf.log_tail()
        assert READY.search(pf.log_text()), pf.log_tail()
    finally:
        pf.cleanup()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_held_during_startup_drains_without_becoming_ready(cluster, port, signum):
    pf = PGFloat(config(cluster, port))
    pf.launch()
    try:
        send_while_held(pf, signum)
        status = pf.wait_exit(timeout=STARTUP_BOUND)
        log = pf.log_text()
        assert status == 0, f"pgfloat ended with {status}, not a drain:\n" + pf.log_tail()
        assert "signal received, draining" in log, pf.log_tail()
        assert "not starting VRRP" in log, pf.log_tail()
        assert not READY.search(log), "a node stopped during its start announced itself ready:\n" + pf.log_tail()
    finally:
        pf.cleanup()
