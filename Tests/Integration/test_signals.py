"""Signals that arrive while pgfloat starts: held until it can act on them, never its default action.

The listeners accept before the daemon's signal sources exist (the kernel completes connects into the backlog), so
a client, a test or a configuration tool can see pgfloat up and send SIGHUP or SIGTERM at once. Before the fix a
SIGHUP in that window ended the process (SIGHUP's default action), which is what CI hit once in
test_config_parser. pgfloat now blocks these signals before it does anything else and acts on them once its
handlers run: a SIGHUP becomes a reload, a SIGTERM a drain with exit status 0.
"""

from __future__ import annotations

import signal
import time

from harness import (READY, PGFloat, listener, pgfloat_config, server, skip_module_unless_runnable,
                     wait_until)

skip_module_unless_runnable()

SIGNAL_PERIOD = 0.002  # seconds between two signals of the storm
STARTUP_BOUND = 20  # seconds for the whole start, as the harness's start() allows


def signal_through_startup(pf: PGFloat, signum: int) -> int:
    """From the first log line (the configuration is loaded) until `ready` or the process's end, sends `signum`
    every SIGNAL_PERIOD; returns how many were sent."""
    proc = pf.proc
    deadline = time.monotonic() + STARTUP_BOUND
    sent = 0
    for _ in range(int(STARTUP_BOUND / SIGNAL_PERIOD)):
        if proc.poll() is not None or time.monotonic() > deadline:
            break
        text = pf.log_text()
        if READY.search(text):
            break
        if text:
            proc.send_signal(signum)
            sent += 1
        time.sleep(SIGNAL_PERIOD)
    return sent


def config(cluster, port) -> str:
    return pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", port(), ["primary"])])


def test_sighup_during_startup_is_a_reload_once_running(cluster, port):
    pf = PGFloat(config(cluster, port))
    proc = pf.launch()
    try:
        sent = signal_through_startup(pf, signal.SIGHUP)
        assert sent > 0, "the log never had a line before `ready`:\n" + pf.log_tail()
        assert proc.poll() is None, f"pgfloat ended with {proc.returncode} after {sent} SIGHUPs:\n" + pf.log_tail()
        wait_until(lambda: "reload applied" in pf.log_text(), 10, "the held SIGHUP's reload")
    finally:
        pf.cleanup()


def test_sigterm_during_startup_drains_and_exits_cleanly(cluster, port):
    pf = PGFloat(config(cluster, port))
    proc = pf.launch()
    try:
        for _ in range(int(STARTUP_BOUND / SIGNAL_PERIOD)):
            if pf.log_text() or proc.poll() is not None:
                break
            time.sleep(SIGNAL_PERIOD)
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=STARTUP_BOUND)
        assert status == 0, f"pgfloat ended with {status}, not a drain:\n" + pf.log_tail()
        assert "signal received, draining" in pf.log_text(), pf.log_tail()
    finally:
        pf.cleanup()
