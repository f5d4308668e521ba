"""Runtime API and stats endpoint against real PostgreSQL: the HAProxy runbook lines through socat and
`pgfloat ctl`, the CSV, the Prometheus text parsed by prometheus_client, and the page rendered by Chromium.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from harness import (HOST, finish, listener, pgfloat_bin, pgfloat_config, psql, server,
                     skip_module_unless_runnable, socat, start_psql, wait_active, wait_until)

skip_module_unless_runnable()

NODES = ("primary", "standby1", "standby2")
CHECK = {"type": "pgsql", "interval": "1s", "fast_interval": "250ms", "timeout": "1s", "rise": 2, "fall": 2}


@pytest.fixture
def admin_dir():
    path = Path(tempfile.mkdtemp(prefix="pgfloat-admin-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def rfc_config(cluster, pport: int, rport: int, sock: Path, stats_port: int | None = None,
               names=NODES, **global_extra) -> str:
    """The design document's two listeners, with the admin socket (and stats endpoint) on."""
    servers = [server(n, cluster.nodes[n].port) for n in names]
    listeners = [
        listener("postgres_primary", pport, list(names), balance="first", role="primary"),
        listener("postgres_replicas", rport, list(names), balance="roundrobin", role="replica"),
    ]
    global_ = {"admin_socket": str(sock), **global_extra}
    if stats_port is not None:
        global_["stats_bind"] = f"{HOST}:{stats_port}"
    return pgfloat_config(servers, listeners, global_=global_, check=CHECK)


def ctl(sock: Path, *words: str) -> str:
    out = subprocess.run([str(pgfloat_bin()), "ctl", "-s", str(sock), *words],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return out.stdout


def raw_exchange(sock: Path, data: bytes) -> bytes:
    """Sends raw bytes to the admin socket and returns what came back before it closed."""
    reply = b""
    with socket.socket(socket.AF_UNIX) as raw:
        raw.settimeout(5)
        raw.connect(str(sock))
        try:
            raw.sendall(data)
            while chunk := raw.recv(4096):
                reply += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    return reply


def landed_ports(rport: int, count: int) -> list[str]:
    """The server port each of `count` fresh connections through rport lands on."""
    return [psql(rport, "SELECT inet_server_port()") for _ in range(count)]


def show_stat(sock: Path) -> list[dict[str, str]]:
    text = socat(sock, "show stat")
    assert text.startswith("# pxname,svname,")
    return list(csv.DictReader(io.StringIO(text[2:].strip())))


def stat_row(sock: Path, pxname: str, svname: str) -> dict[str, str]:
    return next(r for r in show_stat(sock) if r["pxname"] == pxname and r["svname"] == svname)


def replicas_ready(sock: Path) -> bool:
    rows = [stat_row(sock, "postgres_replicas", n) for n in ("standby1", "standby2")]
    return all(r["status"] == "UP" and r["weight"] not in ("", "0") for r in rows)


def node_of_app(cluster, appname: str) -> str:
    """Which standby serves the session with this application_name."""
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{appname}'"
    return next(n for n in ("standby1", "standby2") if cluster.psql(n, sql) != "0")


def test_rolling_maintenance_runbook_drains_a_replica_and_brings_it_back(make_cluster, pgfloat, port,
                                                                         admin_dir):
    c = make_cluster(standbys=2, name="pgfloat-it-admin")
    pport, rport = port(), port()
    sock = admin_dir / "admin.sock"
    pgfloat(rfc_config(c, pport, rport, sock), ports=[pport, rport])
    wait_until(lambda: replicas_ready(sock), 20, "both replicas up in show stat")
    assert oct(sock.stat().st_mode & 0o777) == "0o660"

    # A long read on some standby: draining it must let it finish.
    held = start_psql(rport, "SELECT pg_sleep(3); SELECT 'alive', inet_server_port()", "held-read")
    wait_active([c.nodes[n].port for n in ("standby1", "standby2")], "held-read")
    drained = node_of_app(c, "held-read")
    other = "standby2" if drained == "standby1" else "standby1"

    assert socat(sock, f"set server postgres_replicas/{drained} state drain") == "\n"
    assert stat_row(sock, "postgres_replicas", drained)["status"] == "DRAIN"
    assert set(landed_ports(rport, 6)) == {str(c.nodes[other].port)}, "no new session on a drained server"
    code, out, err = finish(held, 20)
    assert code == 0, err
    assert f"alive|{c.nodes[drained].port}" in out, "the session on the drained server lived on"

    ctl(sock, "set", "server", f"postgres_replicas/{drained}", "state", "ready")
    assert set(landed_ports(rport, 6)) == {str(c.nodes[n].port) for n in ("standby1", "standby2")}

    # maint pauses checks and drains; enable brings it back.
    socat(sock, f"disable server */{drained}")
    assert stat_row(sock, "postgres_replicas", drained)["status"] == "MAINT"
    assert set(landed_ports(rport, 4)) == {str(c.nodes[other].port)}
    socat(sock, f"enable server */{drained}")
    assert stat_row(sock, "postgres_replicas", drained)["status"] in ("UP", "MAINT")
    wait_until(lambda: replicas_ready(sock), 10, "the replica back after enable")


def test_weights_shutdown_sessions_and_reports(make_cluster, pgfloat, port, admin_dir):
    c = make_cluster(standbys=2, name="pgfloat-it-admin2")
    pport, rport = port(), port()
    sock = admin_dir / "admin.sock"
    pgfloat(rfc_config(c, pport, rport, sock), ports=[pport, rport])
    wait_until(lambda: replicas_ready(sock), 20, "both replicas up in show stat")

    socat(sock, "set server postgres_replicas/standby1 weight 0")
    assert stat_row(sock, "postgres_replicas", "standby1")["weight"] == "0"
    assert set(landed_ports(rport, 4)) == {str(c.nodes["standby2"].port)}
    socat(sock, "set server postgres_replicas/standby1 weight 100")
    assert stat_row(sock, "postgres_replicas", "standby1")["weight"] == "100"

    held = start_psql(rport, "SELECT pg_sleep(60)", "to-shut")
    wait_active([c.nodes[n].port for n in ("standby1", "standby2")], "to-shut")
    target = node_of_app(c, "to-shut")
    socat(sock, f"shutdown sessions server postgres_replicas/{target}")
    code, _, err = finish(held, 10)
    assert code != 0, "the session ended at once instead of sleeping 60 s"

    # Several commands on one line, HAProxy style; the roles report knows who is primary.
    out = socat(sock, "show servers roles; show info")
    assert "primary" in out and "Name: pgfloat" in out
    roles = {line.split()[1]: line.split()[2] for line in out.splitlines()
             if line.startswith("postgres_primary ")}
    assert roles["primary"] == "primary" and roles["standby1"] == "replica"
    state = [line for line in socat(sock, "show servers state postgres_replicas").splitlines() if line]
    assert state[0] == "1" and state[1].startswith("# be_id be_name srv_id srv_name")
    assert len(state) == 2 + 3

    # Bad input: one line of error each, and the daemon keeps answering.
    assert socat(sock, "set server nope/standby1 state drain").strip() == "No such backend."
    assert socat(sock, "set server postgres_replicas/nope state drain").strip() == "No such server."
    assert "expects" in socat(sock, "set server postgres_replicas/standby1 state sideways")
    assert "Unknown command" in socat(sock, "frobnicate the database")
    garbage = bytes(b for b in range(256) if b != 10)
    answers = [line for line in raw_exchange(sock, garbage[:200] + b"\n").split(b"\n") if line]
    assert answers and all(line.startswith(b"Unknown command: ") and len(line) < 200 for line in answers), \
        "one short error line per ';'-separated command, never an echo"
    # Over the line limit: refused and closed; the daemon may close while the rest is still being sent.
    raw_exchange(sock, garbage * 300 + b"\n")
    assert "Name: pgfloat" in ctl(sock, "show info")
    assert psql(pport, "SELECT 1") == "1"


# ---------------------------------------------------------------------------
# HTTP: page, CSV, JSON, metrics, health, auth
# ---------------------------------------------------------------------------

def http_get(port: int, path: str, auth: tuple[str, str] | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}")
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_stats_page_metrics_and_health(cluster, pgfloat, port, admin_dir, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    pport, rport, sport = port(), port(), port()
    names = ("primary", "standby1")
    config = rfc_config(cluster, pport, rport, admin_dir / "admin.sock", stats_port=sport, names=names)
    pgfloat(config, ports=[pport, rport, sport])
    wait_until(lambda: http_get(sport, "/status.json")[0] == 200 and
               json.loads(http_get(sport, "/status.json")[2])["process"].get("primary") == "primary",
               20, "primary known in status.json")
    for _ in range(3):
        assert psql(pport, "SELECT 1") == "1"

    status, ctype, text = http_get(sport, "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    sessions = {s.labels["listener"]: s.value for s in families["pgfloat_listener_sessions"].samples
                if s.name == "pgfloat_listener_sessions_total"}
    assert sessions["postgres_primary"] >= 3
    roles = {(s.labels["server"], s.labels["role"]): s.value for s in families["pgfloat_server_role"].samples}
    assert roles[("primary", "primary")] == 1 and roles[("standby1", "replica")] == 1
    assert families["pgfloat_check_duration_seconds"].type == "histogram"
    assert "pgfloat_split_brain_events" in families

    status, ctype, page = http_get(sport, "/stats")
    assert status == 200 and ctype.startswith("text/html")
    root = ElementTree.fromstring(page.split("\n", 1)[1] if page.startswith("<!DOCTYPE") else page)
    assert "postgres_replicas" in ElementTree.tostring(root, encoding="unicode")
    assert "password" not in page.lower()
    html = tmp_path / "stats.html"
    html.write_text(page)
    png = tmp_path / "stats.png"
    chromium = shutil.which("chromium")
    assert chromium, "chromium (Debian package) renders the page"
    shot = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                           "--window-size=1280,900", f"http://{HOST}:{sport}/stats"],
                          capture_output=True, text=True, timeout=90,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert png.is_file() and png.stat().st_size > 10_000, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("PGFLOAT_ARTIFACTS")
    if keep:
        shutil.copy(png, Path(keep) / "stats.png")

    status, _, csv_text = http_get(sport, "/stats;csv")
    assert status == 200 and csv_text.startswith("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,")
    assert http_get(sport, "/health")[0] == 200
    assert http_get(sport, "/nope")[0] == 404
    assert http_get(sport, "/admin")[0] == 404
    # Garbage on the stats port is refused without harming the next request.
    with socket.create_connection((HOST, sport), timeout=5) as raw:
        raw.sendall(b"\x00\x01GARBAGE \xff\xfe\r\n\r\n")
        raw.settimeout(5)
        try:
            raw.recv(4096)
        except (ConnectionResetError, socket.timeout):
            pass
    assert http_get(sport, "/health")[0] == 200


def test_stats_basic_auth_guards_everything_but_health(cluster, pgfloat, port, admin_dir):
    pport, rport, sport = port(), port(), port()
    auth_file = admin_dir / "stats.auth"
    auth_file.write_text("# operators\nops:s3cret-pass\n")
    config = rfc_config(cluster, pport, rport, admin_dir / "admin.sock", stats_port=sport,
                        names=("primary", "standby1"), stats_auth_file=str(auth_file), stats_admin=True)
    pf = pgfloat(config, ports=[pport, rport, sport])
    assert http_get(sport, "/stats")[0] == 401
    assert http_get(sport, "/metrics", auth=("ops", "wrong"))[0] == 401
    assert http_get(sport, "/metrics", auth=("ops", "s3cret-pass"))[0] == 200
    assert http_get(sport, "/health")[0] == 200
    request = urllib.request.Request(f"http://{HOST}:{sport}/admin", data=b"show info",
                                     headers={"Authorization": "Basic " +
                                              base64.b64encode(b"ops:s3cret-pass").decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert "Name: pgfloat" in response.read().decode()
    assert "s3cret-pass" not in pf.log_text()
