"""The newest primary timeline survives a restart of pgfloat (issue 16, review finding 2): after a failover whose new
primary then died, a restarted pgfloat must not hand writes back to the old primary, the only one still answering.

Run as root:  python3 -m pytest -v Tests/Integration/test_state_across_restarts.py
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)

The harness runs every pgfloat with STATE_DIRECTORY in its own directory (as systemd's StateDirectory= does), kept
across stop() and start() of the same PGFloat.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from harness import (HOST, PGFloat, listener, metric_sample, pgfloat_config, run_psql, server,
                     skip_module_unless_runnable, wait_until)

skip_module_unless_runnable()

CHECK = {"type": "pgsql", "interval": "500ms", "fast_interval": "250ms", "timeout": "1s", "rise": 2, "fall": 2}
TIMEOUT_QUEUE = "1s"
WHERE = "SELECT inet_server_port()"


def write_once(port: int) -> str | None:
    """One INSERT through pgfloat on a fresh connection: the port of the server that acknowledged it, or None."""
    done = run_psql(port, "CREATE TABLE IF NOT EXISTS restarted (at timestamptz DEFAULT now()); "
                          "INSERT INTO restarted DEFAULT VALUES; " + WHERE, timeout=30)
    return done.stdout.strip().splitlines()[-1] if done.returncode == 0 else None


def metrics(stats_port: int) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{stats_port}/metrics", timeout=5) as response:
        return response.read().decode()


def config(c, lport: int, stats_port: int | None = None, sock: Path | None = None) -> str:
    names = [n for n in ("primary", "standby1") if n in c.nodes]
    global_ = {"stats_bind": f"{HOST}:{stats_port}"} if stats_port else {}
    if sock:
        global_["admin_socket"] = str(sock)
    return pgfloat_config(
        [server(n, c.nodes[n].port) for n in names],
        [listener("rw", lport, names, balance="first", role="primary")],
        defaults={"timeout_queue": TIMEOUT_QUEUE}, check=CHECK, global_=global_)


def test_a_restarted_pgfloat_gives_no_writes_to_the_old_primary_after_the_new_one_died(make_cluster, pgfloat, port):
    c = make_cluster(standbys=1, name="pgfloat-tl")
    lport = port()
    sock = Path(tempfile.mkdtemp(prefix="pgfloat-tl-")) / "admin.sock"
    try:
        restart_after_failover(c, pgfloat, lport, sock)
    finally:
        shutil.rmtree(sock.parent, ignore_errors=True)


def restart_after_failover(c, pgfloat, lport: int, sock: Path) -> None:
    pf = pgfloat(config(c, lport, sock=sock), ports=[lport])
    wait_until(lambda: write_once(lport) == str(c.primary.port), 15, "writes to reach the primary (timeline 1)")

    # Scenario (b): standby1 is promoted (timeline 2) while the old primary stays up and writable, then dies.
    c.promote("standby1")
    wait_until(lambda: write_once(lport) == str(c.nodes["standby1"].port), 15, "writes to follow the promotion")
    state = pf.state_dir / "newest-timeline"
    wait_until(lambda: state.exists() and "newest_primary_timeline = 2" in state.read_text(), 5,
               "the newest timeline in the state file")
    c.stop("standby1", mode="immediate")
    rows = "SELECT count(*) FROM restarted"
    on_old = c.psql("primary", rows)
    assert write_once(lport) is None, "the old primary, on timeline 1, must not take writes"

    # pgfloat restarts (an upgrade, a crash): the old primary is the only server that answers primary. Writes are
    # tried from the moment it is ready, when the first check answers come in.
    pf.stop()
    pf.start(ports=[lport])
    for _ in range(3):
        assert write_once(lport) is None, "after the restart the old primary took a write:\n" + pf.log_tail()
    assert "newest primary timeline remembered" in pf.log_text(), pf.log_tail()
    assert "startup gate open" in pf.log_text(), pf.log_tail()
    assert c.psql("primary", rows) == on_old, "a write reached the old primary"

    # The operator keeps the old primary's history (`clear timeline`): writes resume there, and the file follows:
    # a later restart remembers the old primary's timeline 1, not 2.
    clear = subprocess.run([str(pf.binary), "ctl", "-s", str(sock), "clear timeline"], capture_output=True,
                           text=True, timeout=10)
    assert clear.returncode == 0, clear.stderr
    wait_until(lambda: write_once(lport) == str(c.primary.port), 15, "writes on the old primary after the clear")
    wait_until(lambda: state.exists() and "newest_primary_timeline = 1" in state.read_text(), 5,
               "the old primary's timeline in the state file")


def test_an_unwritable_state_directory_is_logged_once_counted_and_survived(make_cluster, port):
    c = make_cluster(standbys=0, name="pgfloat-tlw")
    lport, sport = port(), port()
    pf = PGFloat(config(c, lport, stats_port=sport))
    # STATE_DIRECTORY names a regular file: no file can be made in it (root ignores permission bits).
    pf.state_dir = pf.dir / "not-a-directory"
    pf.state_dir.write_text("a file\n")
    try:
        pf.start(ports=[lport, sport])
        wait_until(lambda: write_once(lport) == str(c.primary.port), 15, "writes to reach the primary")
        wait_until(lambda: "cannot keep the newest primary timeline" in pf.log_text(), 5, "the failed write logged")
        # Retried every 5 s while it fails: each failure counted, the streak logged once.
        wait_until(lambda: (metric_sample(metrics(sport), "pgfloat_timeline_write_failures_total") or 0) >= 2, 15,
                   "a second failed write counted")
        assert pf.log_text().count("cannot keep the newest primary timeline") == 1, pf.log_tail()
        assert pf.proc.poll() is None
        assert write_once(lport) == str(c.primary.port)
    finally:
        pf.cleanup()
