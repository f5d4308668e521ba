"""The kernel relay (`[global] relay = "sockmap"`) with real psql, pgbench and PostgreSQL 15.

The whole proxy suite also runs under it (`make integration-test-sockmap`); these tests check what only the kernel
relay has: that sessions are handed to it, that its byte counts match the epoll relay's, that a slow reader holds
back the server instead of growing kernel memory, that bytes keep their order across the switches between kernel
and user space, that a server's last bytes before it closes still reach the client, and the fallbacks to epoll.
"""

from __future__ import annotations

import hashlib
import re
import signal
import socket
import stat
import struct
import subprocess
import time

from harness import (APP_PASSWORD, APP_USER, HOST, client_env, finish, listener, parse_pgbench, pgfloat_bin,
                     pgfloat_config, psql, psql_cmd, server, skip_module_unless_runnable, socat, wait_active,
                     wait_until)
from wire import read_message, startup_packet

skip_module_unless_runnable()

# Sessions are handed over at their first quiet point here; test_short_sessions_stay_with_epoll checks the age.
SOCKMAP = {"relay": "sockmap", "relay_handoff_age": "0s"}


def config(cluster, lport: int, sock, global_=None, **kw) -> str:
    return pgfloat_config([server("primary", cluster.primary.port)], [listener("pg", lport, ["primary"])],
                          global_={**SOCKMAP, "admin_socket": str(sock), **(global_ or {})}, **kw)


def info(sock) -> dict[str, str]:
    # pgfloat counts as started once its ports accept; the admin socket comes after.
    wait_until(sock.exists, 10, "the admin socket")
    text = socat(sock, "show info")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def server_side_bytes(pg_port: int) -> int:
    """The most any connection to PostgreSQL's port has received: pgfloat's server socket of the COPY session."""
    out = subprocess.run(["ss", "-tinH", "state", "established", "dst", f"{HOST}:{pg_port}"],
                         capture_output=True, text=True, timeout=10).stdout
    return max((int(n) for n in re.findall(r"bytes_received:(\d+)", out)), default=0)


def test_sessions_are_handed_to_the_kernel_with_the_same_byte_counts(cluster, pgfloat, port, tmp_path):
    counts = {}
    for relay in ("epoll", "sockmap"):
        lport = port()
        sock = tmp_path / f"{relay}.sock"
        pf = pgfloat(config(cluster, lport, sock, global_={"relay": relay}), ports=[lport])
        assert psql(lport, "SELECT string_agg(i::text, ',') FROM generate_series(1, 2000) i").startswith("1,2,3")
        line = pf.wait_for_session(server="primary")
        counts[relay] = (line["bytes_in"], line["bytes_out"], line["end"])
        facts = info(sock)
        assert facts["Relay"] == relay
        assert int(facts["KernelHandoffs"]) == (1 if relay == "sockmap" else 0), facts
        assert facts["KernelSessions"] == "0", facts
        assert (int(facts["KernelRedirectedBytes"]) > 0) == (relay == "sockmap"), facts
    assert counts["epoll"] == counts["sockmap"], counts
    wait_until(lambda: "relay: sockmap" in pf.log_text(), 5, "the relay's log line")


def test_short_sessions_stay_with_epoll(cluster, pgfloat, port, tmp_path):
    # relay_handoff_age (100 ms by default): a connection that runs one statement is not worth the maps' cost; a
    # session that lives longer is handed over at its next ReadyForQuery.
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(config(cluster, lport, sock, global_={"relay_handoff_age": "100ms"}), ports=[lport])
    assert psql(lport, "SELECT 1") == "1"
    assert info(sock)["KernelHandoffs"] == "0"
    r = subprocess.run(["psql", "-X", "-At", "-h", HOST, "-p", str(lport), "-U", "postgres", "-d", "postgres",
                        "-c", "SELECT pg_sleep(0.3)", "-c", "SELECT 2"], capture_output=True, text=True,
                       timeout=30, env=client_env())
    assert r.returncode == 0 and r.stdout.split() == ["2"], r.stdout + r.stderr
    facts = info(sock)
    assert facts["KernelHandoffs"] == "1" and int(facts["KernelRedirectedBytes"]) > 0, facts


def test_tls_session_is_handed_over_after_the_servers_answer(tls_cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(config(tls_cluster, lport, sock), ports=[lport])
    # SCRAM with channel binding only works when the TLS session is end to end.
    conninfo = (f"host={HOST} port={lport} sslmode=require dbname=postgres user={APP_USER} "
                "channel_binding=require")
    r = subprocess.run(["psql", "-X", "-At", conninfo, "-c",
                        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
                       capture_output=True, text=True, timeout=30,
                       env=client_env(PGSSLMODE="require", PGPASSWORD=APP_PASSWORD))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "t"
    assert info(sock)["KernelHandoffs"] == "1"


def test_slow_reader_of_a_large_copy_holds_the_server_back(cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(config(cluster, lport, sock), ports=[lport])
    rows = 2_000_000  # about 80 MB of COPY output
    # psql writes the rows to a pipe nobody reads yet: it stops reading its socket, as a slow client does.
    proc = subprocess.Popen(
        psql_cmd(lport, f"COPY (SELECT i, md5(i::text) FROM generate_series(1, {rows}) i) TO STDOUT"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=client_env())
    try:
        wait_until(lambda: server_side_bytes(cluster.primary.port) > 1 << 20, 15, "the COPY to start")
        time.sleep(2)
        held = server_side_bytes(cluster.primary.port)
        time.sleep(2)
        later = server_side_bytes(cluster.primary.port)
        # What the server got to send is bounded by socket buffers and one grant, not by the COPY's size.
        assert held < 48 << 20, f"{held >> 20} MB left PostgreSQL while the client read nothing"
        assert later - held < 1 << 20, (held, later)
        digest = hashlib.md5()
        count = 0
        expected = 1
        for line in proc.stdout:
            number, _, _ = line.partition(b"\t")
            assert int(number) == expected, f"row {expected} arrived as {number!r}"
            expected += 1
            count += 1
            digest.update(line)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, proc.stderr.read()
    assert count == rows
    facts = info(sock)
    assert int(facts["KernelTakeovers"]) > 0, facts  # the grant ran out: user space forwarded kept bytes
    assert int(facts["KernelRedirectedBytes"]) > 0, facts  # and the kernel moved some itself


def test_copy_in_arrives_whole_and_in_order(cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(config(cluster, lport, sock), ports=[lport])
    psql(cluster.primary.port, "DROP TABLE IF EXISTS relay_copy; CREATE TABLE relay_copy (i int, t text)")
    rows = 400_000
    data = b"".join(b"%d\t%s\n" % (i, hashlib.md5(str(i).encode()).hexdigest().encode()) for i in range(1, rows + 1))
    r = subprocess.run(psql_cmd(lport, "COPY relay_copy FROM STDIN"), input=data, capture_output=True,
                       timeout=120, env=client_env())
    assert r.returncode == 0, r.stderr
    expected = hashlib.md5(b"".join(b"%d%s" % (i, hashlib.md5(str(i).encode()).hexdigest().encode())
                                    for i in range(1, rows + 1))).hexdigest()
    got = psql(cluster.primary.port, "SELECT md5(string_agg(i::text || t, '' ORDER BY i)) FROM relay_copy")
    assert got == expected
    assert psql(cluster.primary.port, "SELECT count(*) FROM relay_copy") == str(rows)
    facts = info(sock)
    assert facts["KernelHandoffs"] == "1" and int(facts["KernelTakeovers"]) > 0, facts
    assert int(facts["KernelRedirectedBytes"]) > 0, facts


def test_a_servers_last_words_reach_the_client(cluster, pgfloat, port, tmp_path):
    # The backend sends a FATAL ErrorResponse and closes: the bytes the kernel relays and the end that follows
    # must arrive in that order.
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock), ports=[lport])
    proc = subprocess.Popen(psql_cmd(lport, "SELECT pg_sleep(30)"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=client_env(PGAPPNAME="relay-terminated"))
    try:
        wait_active([cluster.primary.port], "relay-terminated")
        assert info(sock)["KernelSessions"] == "1"
        psql(cluster.primary.port,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relay-terminated'")
        code, _, err = finish(proc, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code != 0
    assert "terminating connection due to administrator command" in err, err
    assert pf.wait_for_session(server="primary")["end"] == "server-close"
    assert info(sock)["KernelSessions"] == "0"


def started_session(lport: int, app: str, rcvbuf: int | None = None) -> socket.socket:
    """A client by hand, through pgfloat, up to its first ReadyForQuery (where pgfloat hands it to the kernel)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect((HOST, lport))
    sock.sendall(startup_packet(app))
    while read_message(sock)[0] != b"Z":
        pass
    return sock


def query(sql: str) -> bytes:
    body = sql.encode() + b"\0"
    return b"Q" + struct.pack("!I", 4 + len(body)) + body


def test_bytes_arriving_at_the_hand_over_keep_their_order(cluster, pgfloat, port, tmp_path):
    # The client sends its first query with its startup packet, so PostgreSQL answers it right after the
    # ReadyForQuery that triggers the hand-over: those bytes reach the server socket around its insertion into the
    # map. Every answer must arrive, in order, and the session must still end at once when the client leaves.
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock), ports=[lport])
    rounds = 20
    for n in range(rounds):
        client = socket.create_connection((HOST, lport), timeout=10)
        try:
            client.sendall(startup_packet(f"relay-early-{n}") + query(f"SELECT {n}"))
            rows, ready = [], 0
            while ready < 2:
                kind, body = read_message(client)
                ready += kind == b"Z"
                if kind == b"D":
                    rows.append(body[6:].decode())
            client.sendall(query(f"SELECT {n} + 1000"))
            while (message := read_message(client))[0] != b"Z":
                if message[0] == b"D":
                    rows.append(message[1][6:].decode())
            assert rows == [str(n), str(n + 1000)]
            client.sendall(b"X\0\0\0\4")
        finally:
            client.close()
    wait_until(lambda: len([line for line in pf.sessions() if line["server"] == "primary"]) == rounds, 10,
               "every session to end")
    # The client's Terminate goes through the kernel: whichever end pgfloat sees first names the session's end.
    ends = [line["end"] for line in pf.sessions() if line["server"] == "primary"]
    assert set(ends) <= {"client-close", "server-close"}, ends
    facts = info(sock)
    assert facts["KernelHandoffs"] == str(rounds) and facts["KernelSessions"] == "0", facts


def test_a_half_closing_client_still_gets_its_answer(cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pgfloat(config(cluster, lport, sock), ports=[lport])
    client = started_session(lport, "relay-half-close")
    try:
        wait_until(lambda: info(sock)["KernelSessions"] == "1", 5, "the hand-over")
        client.sendall(query("SELECT 42"))
        client.shutdown(socket.SHUT_WR)
        kinds, rows = [], []
        while True:
            try:
                kind, body = read_message(client)
            except ConnectionError:
                break
            kinds.append(kind)
            if kind == b"D":
                rows.append(body[6:].decode())
        assert rows == ["42"], kinds
        assert kinds[-2:] == [b"C", b"Z"], kinds
    finally:
        client.close()


def push_without_reading(lport: int, sock) -> int:
    """A client that asks for a huge result, reads none of it, then keeps writing; returns what it got to write.
    PostgreSQL stops reading while it cannot send, so a proxy that holds back the client writes little."""
    client = started_session(lport, "relay-hostile", rcvbuf=4096)
    written = 0
    try:
        wait_until(lambda: info(sock)["KernelSessions"] == "1", 5, "the hand-over")
        client.sendall(query("SELECT repeat('x', 1000) FROM generate_series(1, 1000000)"))
        client.setblocking(False)
        sync = b"S\0\0\0\4" * 13107  # 64 KiB of Sync messages
        deadline = time.monotonic() + 30
        idle_since = time.monotonic()
        while written < 512 << 20 and time.monotonic() < deadline and time.monotonic() - idle_since < 3:
            try:
                written += client.send(sync)
                idle_since = time.monotonic()
            except BlockingIOError:
                time.sleep(0.005)
            except (BrokenPipeError, ConnectionResetError):
                break
    finally:
        client.close()
    return written


def test_a_client_that_sends_without_reading_is_held_back(cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock), ports=[lport])
    written = push_without_reading(lport, sock)
    assert written < 64 << 20, f"the client pushed {written >> 20} MB into a session that reads nothing"
    assert pf.wait_for_session(server="primary")["end"] == "client-close"


def test_an_overrun_closes_the_session(cluster, pgfloat, port, tmp_path):
    # A grant larger than the room behind it (forced here) leaves bytes stuck in the client socket's backlog; the
    # client's own bytes then queue behind them, charged to no socket and with its window open. pgfloat closes
    # the session rather than let that grow.
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock), ports=[lport], args=("--kernel-relay-grant", str(32 << 20)))
    written = push_without_reading(lport, sock)
    assert written < 128 << 20, f"the client pushed {written >> 20} MB into a session that reads nothing"
    wait_until(lambda: "a peer sent more than can be held back" in pf.log_text(), 10, "the overrun's log line")
    assert pf.wait_for_session(server="primary")["end"] == "error"


def test_kernel_relayed_traffic_is_not_idle(cluster, pgfloat, port, tmp_path):
    # Bytes that move only in the kernel count as activity: the sweep reads the program's counts.
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock, defaults={"timeout_client": "2s", "timeout_server": "2s"}),
                 ports=[lport])
    script = tmp_path / "select.sql"
    script.write_text("SELECT 1;\n")
    bench = subprocess.run(["pgbench", "-n", "-f", str(script), "-T", "5", "-c", "1", "-h", HOST, "-p", str(lport),
                            "-U", "postgres", "postgres"], capture_output=True, text=True, timeout=60,
                           env=client_env())
    assert bench.returncode == 0, bench.stdout + bench.stderr
    result = parse_pgbench(bench.stdout)
    assert result["failed"] == 0 and result["processed"] > 100, bench.stdout
    facts = info(sock)
    assert int(facts["KernelHandoffs"]) >= 1 and int(facts["KernelRedirectedBytes"]) > 0, facts
    assert not any(line["end"].endswith("timeout") for line in pf.sessions()), pf.sessions()


def test_idle_timeout_and_shutdown_sessions_end_kernel_sessions(cluster, pgfloat, port, tmp_path):
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock, defaults={"timeout_server": "2s"}), ports=[lport])
    # No byte moves while the server sleeps: the kernel's counts tell the sweep the session is idle.
    started = time.monotonic()
    r = subprocess.run(psql_cmd(lport, "SELECT pg_sleep(20)"), capture_output=True, text=True, timeout=30,
                       env=client_env())
    assert r.returncode != 0
    assert time.monotonic() - started < 10
    assert pf.wait_for_session(server="primary")["end"] == "server-timeout"
    assert info(sock)["KernelHandoffs"] == "1"

    lport2 = port()
    sock2 = tmp_path / "admin2.sock"
    pf2 = pgfloat(config(cluster, lport2, sock2), ports=[lport2])
    proc = subprocess.Popen(psql_cmd(lport2, "SELECT pg_sleep(30)"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=client_env(PGAPPNAME="relay-shutdown"))
    try:
        wait_active([cluster.primary.port], "relay-shutdown")
        assert info(sock2)["KernelSessions"] == "1"
        socat(sock2, "shutdown sessions server pg/primary")
        code, _, _ = finish(proc, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code != 0
    assert pf2.wait_for_session(server="primary")["end"] == "admin-shutdown"
    assert info(sock2)["KernelSessions"] == "0"


def test_a_program_that_cannot_load_leaves_epoll_running(cluster, pgfloat, port, tmp_path, monkeypatch):
    # Root without CAP_BPF (nor CAP_SYS_ADMIN, which also allows it) in its bounding set: the program cannot load,
    # and pgfloat says so and relays anyway.
    wrapper = tmp_path / "pgfloat-without-bpf"
    real = pgfloat_bin()
    wrapper.write_text(f"#!/bin/sh\nexec setpriv --bounding-set=-bpf,-sys_admin {real} \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PGFLOAT_BIN", str(wrapper))
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock), ports=[lport])
    assert psql(lport, "SELECT 1") == "1"
    facts = info(sock)
    assert facts["Relay"] == "epoll", facts
    assert "Operation not permitted" in facts["RelayFallback"], facts
    assert facts["KernelHandoffs"] == "0"
    wait_until(lambda: "relay: epoll (the kernel relay could not be loaded)" in pf.log_text(), 5, "the log line")


def test_a_session_the_maps_cannot_take_stays_with_epoll(cluster, pgfloat, port, tmp_path):
    # The maps are sized for [defaults] maxconn at start; a reload that raises it leaves later slots without flows.
    lport = port()
    sock = tmp_path / "admin.sock"
    pf = pgfloat(config(cluster, lport, sock, defaults={"maxconn": 1}), ports=[lport])
    assert pf.reload(config(cluster, lport, sock, defaults={"maxconn": 4})) == "applied"
    first = subprocess.Popen(psql_cmd(lport, "SELECT pg_sleep(30)"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=client_env(PGAPPNAME="relay-first"))
    try:
        wait_active([cluster.primary.port], "relay-first")
        assert psql(lport, "SELECT 2") == "2"
        facts = info(sock)
        assert facts["KernelHandoffs"] == "1" and facts["KernelFallbacks"] == "1", facts
        wait_until(lambda: "kernel relay refused a session" in pf.log_text(), 5, "the fallback's log line")
        first.send_signal(signal.SIGINT)
        finish(first, timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
