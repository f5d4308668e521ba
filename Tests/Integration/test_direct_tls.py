"""PostgreSQL 17's direct TLS (`sslnegotiation=direct`) through pgfloat: the client opens with a TLS ClientHello,
which pgfloat passes to the server untouched, as it passes a startup packet.

PostgreSQL 15 (the one on the test machines) does not speak direct TLS, so the server here is a Python `ssl`
server on loopback that insists on ALPN `postgresql`, as PostgreSQL 17 does, and echoes what it reads; the
client is Python's `ssl` with ALPN `postgresql`, as libpq 17 sends it. Neither needs PostgreSQL, only root for
the module skip shared by every integration test.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from harness import HOST, listener, pgfloat_config, server, skip_module_unless_runnable, socat, wait_until

skip_module_unless_runnable()

ALPN = "postgresql"


@pytest.fixture
def certificate():
    """A self-signed certificate for `localhost`: (certificate file, key file)."""
    directory = Path(tempfile.mkdtemp(prefix="pgfloat-dtls-"))
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    yield cert, key
    shutil.rmtree(directory, ignore_errors=True)


class EchoTLSServer:
    """A TLS server on 127.0.0.1 that requires ALPN `postgresql` and echoes each connection until EOF.

    pgfloat's `tcp` check connects and closes without TLS; those failed handshakes are counted, not fatal.
    """

    def __init__(self, cert: Path, key: Path):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.context.set_alpn_protocols([ALPN])
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.handshakes: list[str | None] = []  # the ALPN protocol each completed handshake chose
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                raw, _ = self.listener.accept()
            except socket.timeout:
                continue
            raw.settimeout(5)
            try:
                with self.context.wrap_socket(raw, server_side=True) as tls:
                    self.handshakes.append(tls.selected_alpn_protocol())
                    while data := tls.recv(4096):
                        tls.sendall(data)
            except (ssl.SSLError, OSError):
                raw.close()  # a check's bare connect, or a client that left

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()


def client_context(cert: Path) -> ssl.SSLContext:
    """libpq 17 with sslnegotiation=direct and sslmode=verify-full: ALPN `postgresql`, the server's name checked."""
    context = ssl.create_default_context(cafile=str(cert))
    context.set_alpn_protocols([ALPN])
    return context


def show_info(sock: Path) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in socat(sock, "show info").splitlines() if ": " in line)


def test_a_direct_tls_client_reaches_a_tls_server_through_pgfloat(certificate, pgfloat, port, tmp_path):
    cert, key = certificate
    backend = EchoTLSServer(cert, key)
    try:
        lport = port()
        sock = tmp_path / "admin.sock"
        pgfloat(pgfloat_config([server("tls", backend.port)], [listener("pg", lport, ["tls"])],
                               global_={"admin_socket": str(sock)}), ports=[lport])

        with socket.create_connection((HOST, lport), timeout=10) as raw:
            with client_context(cert).wrap_socket(raw, server_hostname="localhost") as tls:
                # The handshake completed end to end: the server's certificate verified, its ALPN choice arrived.
                assert tls.selected_alpn_protocol() == ALPN
                payload = b"SELECT 1;" * 1000
                tls.sendall(payload)
                echoed = b""
                while len(echoed) < len(payload):
                    chunk = tls.recv(65536)
                    assert chunk, f"EOF after {len(echoed)} of {len(payload)} echoed bytes"
                    echoed += chunk
                assert echoed == payload
        assert backend.handshakes == [ALPN]

        def counted():
            info = show_info(sock)
            return info if info.get("DirectTLSSessions") == "1" else None
        info = wait_until(counted, 10, "show info to count the direct TLS session")
        assert info["BadStartups"] == "0", info
    finally:
        backend.stop()


def test_a_refused_direct_tls_client_sees_a_close_not_plaintext(certificate, pgfloat, port, tmp_path):
    # The pool's only server is down: after timeout_queue pgfloat refuses the session. A PostgreSQL
    # ErrorResponse would reach the client's TLS library as a malformed record ("wrong version number");
    # pgfloat closes instead, which the client reports as an unexpected EOF during the handshake.
    cert, _ = certificate
    lport, dead = port(), port()
    sock = tmp_path / "admin.sock"
    pgfloat(pgfloat_config([server("down", dead)], [listener("pg", lport, ["down"])],
                           global_={"admin_socket": str(sock)}, defaults={"timeout_queue": "500ms"}),
            ports=[lport])

    with socket.create_connection((HOST, lport), timeout=10) as raw:
        with pytest.raises((ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError)) as refused:
            client_context(cert).wrap_socket(raw, server_hostname="localhost")
    assert "WRONG_VERSION_NUMBER" not in str(refused.value), refused.value

    info = show_info(sock)
    assert info["DirectTLSSessions"] == "1", info
    assert info["BadStartups"] == "0", info
