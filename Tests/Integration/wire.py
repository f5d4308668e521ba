"""Raw frontend/backend protocol pieces for tests that play a client by hand (no libpq)."""

from __future__ import annotations

import socket
import struct

PROTOCOL_3_0 = 196608


def startup_packet(app: str) -> bytes:
    """A StartupMessage for user and database postgres with this application_name."""
    params = f"user\0postgres\0database\0postgres\0application_name\0{app}\0\0".encode()
    return struct.pack("!II", 8 + len(params), PROTOCOL_3_0) + params


def error_fields(body: bytes) -> dict[str, str]:
    """An ErrorResponse's fields (type byte -> text)."""
    return {chr(part[0]): part[1:].decode(errors="replace") for part in body.split(b"\0") if part}


def read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    """One backend message (type, body); raises on EOF."""
    def exact(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"EOF after {len(buf)} of {n} bytes")
            buf += chunk
        return buf
    kind, length = struct.unpack("!cI", exact(5))
    return kind, exact(length - 4)
