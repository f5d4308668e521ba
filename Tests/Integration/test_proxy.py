"""End-to-end tests: real psql/pgbench -> pgfloat -> real PostgreSQL 15.

Run as root:  python3 -m pytest -v Tests/Integration
Binary:       PGFLOAT_BIN (default .build/debug/pgfloat under the repo root)
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

from harness import (APP_PASSWORD, APP_USER, HOST, client_env, finish, listener, parse_pgbench, pgfloat_bin,
                     pgfloat_check, pgfloat_config, port_accepts, psql, psql_cmd, run_psql, server,
                     skip_module_unless_runnable, socat, start_psql, wait_active, wait_until)

skip_module_unless_runnable()


# ---------------------------------------------------------------------------
# helpers local to these tests
# ---------------------------------------------------------------------------

def one_listener(cluster, lport: int, names=("primary",), name="pg", balance="roundrobin",
                 **config_kw) -> str:
    """Config with one listener over the given cluster nodes (server name = node name)."""
    servers = [server(n, cluster.nodes[n].port) for n in names]
    return pgfloat_config(servers, [listener(name, lport, list(names), balance=balance)],
                          **config_kw)


# ---------------------------------------------------------------------------
# basic proxying
# ---------------------------------------------------------------------------

def test_select_and_pgbench_through_proxy(cluster, pgfloat, port):
    lport = port()
    pf = pgfloat(one_listener(cluster, lport, name="postgres_primary"), ports=[lport])

    assert psql(lport, "SELECT 1") == "1"
    assert psql(lport, "SELECT inet_server_port()") == str(cluster.primary.port)

    init = subprocess.run(["pgbench", "-i", "-s", "1", "-q", "-h", HOST,
                           "-p", str(cluster.primary.port), "-U", "postgres", "postgres"],
                          capture_output=True, text=True, timeout=120, env=client_env())
    assert init.returncode == 0, init.stderr

    bench = subprocess.run(["pgbench", "-n", "-S", "-T", "3", "-c", "4", "-h", HOST,
                            "-p", str(lport), "-U", "postgres", "postgres"],
                           capture_output=True, text=True, timeout=60, env=client_env())
    assert bench.returncode == 0, bench.stdout + bench.stderr
    result = parse_pgbench(bench.stdout)
    assert result["failed"] == 0, bench.stdout
    assert result["processed"] and result["processed"] > 0, bench.stdout

    s = pf.wait_for_session(listener="postgres_primary", server="primary")
    # psql sends Terminate and closes; which side pgfloat sees close first is a race.
    assert s["end"] in ("client-close", "server-close"), s
    assert int(s["bytes_in"]) > 0 and int(s["bytes_out"]) > 0, s


def test_roundrobin_hits_both_servers(cluster, pgfloat, port):
    lport = port()
    pgfloat(one_listener(cluster, lport, names=("primary", "standby1")), ports=[lport])
    expected = {str(cluster.primary.port), str(cluster.nodes["standby1"].port)}

    # Health checks may take a round before both servers are eligible.
    seen: set[str] = set()

    def both_seen():
        seen.add(psql(lport, "SELECT inet_server_port()"))
        return seen == expected
    wait_until(both_seen, 10, "both servers to be reachable through the listener")

    hits = [psql(lport, "SELECT inet_server_port()") for _ in range(10)]
    assert set(hits) == expected, hits
    assert min(hits.count(p) for p in expected) >= 3, f"not round robin: {hits}"


# ---------------------------------------------------------------------------
# failures and protocol features
# ---------------------------------------------------------------------------

def test_queue_timeout_sends_fatal(pgfloat, port):
    # The only server's port has nothing listening, so the health check never
    # makes it eligible and the client waits in the queue until timeout_queue.
    lport, dead_port = port(), port()
    config = pgfloat_config([server("dead", dead_port)], [listener("nowhere", lport, ["dead"])],
                            defaults={"timeout_queue": "2s"}, check={"interval": "1s"})
    pf = pgfloat(config, ports=[lport])

    started = time.monotonic()
    r = run_psql(lport, "SELECT 1", timeout=30)
    elapsed = time.monotonic() - started

    assert r.returncode != 0, r.stdout
    assert 'pgfloat: no server available for "nowhere" after 2s' in r.stderr, r.stderr
    assert 1.5 <= elapsed <= 6.5, f"psql gave up after {elapsed:.1f}s"
    pf.wait_for_session(listener="nowhere", end="queue-timeout")


@pytest.mark.parametrize("sslmode", ["disable", "prefer"])
def test_cancel_request_goes_to_the_sessions_server(cluster, pgfloat, port, tmp_path, sslmode):
    # With sslmode=prefer psql asks for TLS first; the server (ssl off) answers 'N' and the startup follows in
    # the clear on the same connection, so pgfloat still reads the BackendKeyData.
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(one_listener(cluster, lport, names=("primary", "standby1"), global_={"admin_socket": str(sock)}),
            ports=[lport])
    ports = [cluster.primary.port, cluster.nodes["standby1"].port]
    # PostgreSQL answers a cancel with nothing either way: only the counters tell owner from broadcast.
    before = info(sock)

    # psql sends a real CancelRequest to the host/port it connected to
    # (pgfloat) when it gets SIGINT while a query runs.
    appname = f"pgfloat-cancel-{sslmode}"
    proc = subprocess.Popen(psql_cmd(lport, "SELECT pg_sleep(30)"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=client_env(PGAPPNAME=appname, PGSSLMODE=sslmode))
    try:
        wait_active(ports, appname)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code, _, err = finish(proc, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "canceling statement due to user request" in err, err
    assert code != 0
    assert time.monotonic() - sent < 10
    after = info(sock)
    grew = {key: int(after[key]) - int(before[key]) for key in after
            if key.startswith("CancelsForwarded_") or key.startswith("CancelsDropped_")}
    assert grew["CancelsForwarded_owner"] == 1, grew
    assert grew["CancelsForwarded_broadcast"] == 0, grew
    assert not any(count for key, count in grew.items() if key.startswith("CancelsDropped_")), grew


def info(sock) -> dict[str, str]:
    """`show info` as a dict. pgfloat counts as started once its ports accept, and the admin socket comes after."""
    wait_until(sock.exists, 10, "the admin socket")
    text = socat(sock, "show info")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def test_tls_passes_through(tls_cluster, pgfloat, port):
    lport = port()
    pgfloat(one_listener(tls_cluster, lport), ports=[lport])
    sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    conninfo = f"host={HOST} port={lport} sslmode=require dbname=postgres user=postgres"
    r = subprocess.run(["psql", "-X", "-At", conninfo, "-c", sql], capture_output=True,
                       text=True, timeout=30, env=client_env(PGSSLMODE="require"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "t"

    # SCRAM with channel binding only works if the TLS session is end to end.
    conninfo = (f"host={HOST} port={lport} sslmode=require dbname=postgres "
                f"user={APP_USER} channel_binding=require")
    r = subprocess.run(["psql", "-X", "-At", conninfo, "-c", sql], capture_output=True,
                       text=True, timeout=30,
                       env=client_env(PGSSLMODE="require", PGPASSWORD=APP_PASSWORD))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "t"


# ---------------------------------------------------------------------------
# reload and shutdown
# ---------------------------------------------------------------------------

def test_reload_keeps_sessions_and_rejects_bad_config(cluster, pgfloat, port):
    lport, new_lport = port(), port()
    primary = server("primary", cluster.primary.port)
    pf = pgfloat(pgfloat_config([primary], [listener("pg", lport, ["primary"])]), ports=[lport])

    proc = start_psql(lport, "SELECT pg_sleep(4); SELECT 42", appname="pgfloat-reload-test")
    try:
        wait_active([cluster.primary.port], "pgfloat-reload-test")
        good = pgfloat_config([{**primary, "weight": 50}],
                              [listener("pg", lport, ["primary"]),
                               listener("pg_new", new_lport, ["primary"])])
        assert pf.reload(good) == "applied", pf.log_tail()
        wait_until(lambda: run_psql(new_lport, "SELECT 1").stdout.strip() == "1", 10,
                   "the new listener to answer SELECT 1")

        code, out, err = finish(proc, timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert "42" in out.split(), out

    bad = good.replace("[global]\n", "[global]\nno_such_key = 1\n", 1)
    assert pf.reload(bad) == "failed", pf.log_tail()
    assert pf.proc.poll() is None, "pgfloat died on a bad reload"
    assert psql(lport, "SELECT 1") == "1"


def test_sigterm_drains_sessions(cluster, pgfloat, port):
    lport = port()
    pf = pgfloat(one_listener(cluster, lport, global_={"shutdown_grace": "10s"}), ports=[lport])

    proc = start_psql(lport, "SELECT pg_sleep(2); SELECT 7", appname="pgfloat-drain-test")
    try:
        wait_active([cluster.primary.port], "pgfloat-drain-test")
        os.kill(pf.pid, signal.SIGTERM)
        wait_until(lambda: not port_accepts(lport, timeout=0.5), 5,
                   "pgfloat to stop accepting after SIGTERM")
        # Refusal must come from draining, not from pgfloat having already gone.
        assert proc.poll() is None, "session ended before the drain was observed"
        assert pf.proc.poll() is None, "pgfloat exited without waiting for the session"

        code, out, err = finish(proc, timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert "7" in out.split(), out
    assert pf.wait_exit(timeout=12) == 0, pf.log_tail()


# ---------------------------------------------------------------------------
# pgfloat check
# ---------------------------------------------------------------------------

def test_check_reports_file_line_key(tmp_path, port):
    good = pgfloat_config([server("pg1", port())], [listener("pg", port(), ["pg1"])])
    good_path = tmp_path / "good.toml"
    good_path.write_text(good)
    r = pgfloat_check(good_path)
    assert r.returncode == 0, r.stdout + r.stderr

    bad = good.replace("[global]\n", "[global]\nbogus_key = 1\n", 1)
    bogus_line = bad.splitlines().index("bogus_key = 1") + 1
    bad_path = tmp_path / "bad.toml"
    bad_path.write_text(bad)
    r = pgfloat_check(bad_path)
    assert r.returncode == 1, r.stdout + r.stderr

    lines = (r.stdout + r.stderr).splitlines()
    shaped = [line for line in lines if re.match(rf"{re.escape(str(bad_path))}:\d+: \S+: .+", line)]
    assert shaped, f"no FILE:LINE: key: message lines in: {lines}"
    assert any(line.startswith(f"{bad_path}:{bogus_line}: ") and "bogus_key" in line
               for line in shaped), shaped


def test_run_refuses_a_bad_config_before_binding(tmp_path, port):
    lport = port()
    good = pgfloat_config([server("pg1", port())], [listener("pg", lport, ["pg1"])])
    bad = re.sub(r'(?m)^timeout_queue = .*$', 'timeout_queue = "soon"', good, count=1)
    assert bad != good
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    r = subprocess.run([str(pgfloat_bin()), "run", "-c", str(path)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert f"{path}:" in r.stderr and "defaults.timeout_queue" in r.stderr, r.stderr
    assert not port_accepts(lport, timeout=0.2)


def test_json_log_lines(cluster, pgfloat, port):
    lport = port()
    pf = pgfloat(one_listener(cluster, lport, name="json_listener"), ports=[lport],
                 args=("--log-format", "json"))
    assert psql(lport, "SELECT 1") == "1"

    def session_line():
        # The harness's readiness probe (connect, close) logs a session of its own with no server;
        # the one to check is psql's, the session that carried bytes.
        for line in pf.log_text().splitlines():
            record = json.loads(line)  # every line must be one JSON object
            if record.get("msg") == "session" and record.get("bytes_in") not in (None, "0"):
                return record
        return None
    record = wait_until(session_line, 10, "psql's JSON session line")
    assert record["listener"] == "json_listener"
    assert record["server"] == "primary"
    # Under the kernel relay pgfloat does not read psql's Terminate, and the server may close before psql does.
    assert record["end"] in (("client-close", "server-close") if os.environ.get("PGFLOAT_TEST_RELAY")
                             else ("client-close",))
    assert int(record["bytes_in"]) > 0 and int(record["bytes_out"]) > 0
