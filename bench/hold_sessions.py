#!/usr/bin/env python3
"""Open N idle PostgreSQL sessions on HOST:PORT and hold them open.

Each session is a raw socket that sends a StartupMessage (user postgres,
database postgres; the server must trust us) and reads until ReadyForQuery,
so every one is a real, authenticated backend behind the proxy.

When all are open, writes N to READY_FILE, then holds until SIGTERM/SIGINT
or --hold seconds (a safety bound), and closes them.

    hold_sessions.py --port 20001 --n 5000 --ready-file /tmp/x/ready
"""

import argparse
import signal
import socket
import struct
import sys
import time

PROTOCOL_3_0 = 196608


def startup_message(user: str, db: str) -> bytes:
    params = f"user\0{user}\0database\0{db}\0application_name\0hold_sessions\0\0".encode()
    return struct.pack("!II", 8 + len(params), PROTOCOL_3_0) + params


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection during startup")
        buf += chunk
    return buf


def open_session(host: str, port: int, user: str, db: str, timeout: float) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall(startup_message(user, db))
        while True:
            kind, length = struct.unpack("!cI", recv_exact(sock, 5))
            body = recv_exact(sock, length - 4)
            if kind == b"E":
                raise ConnectionError(body.replace(b"\0", b" ").decode(errors="replace"))
            if kind == b"R" and struct.unpack("!I", body[:4])[0] != 0:
                raise ConnectionError("server asked for a password; it must trust 127.0.0.1")
            if kind == b"Z":  # ReadyForQuery: the session is up and idle
                sock.settimeout(None)
                return sock
    except BaseException:
        sock.close()
        raise


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--db", default="postgres")
    ap.add_argument("--hold", type=float, default=600, help="max seconds to hold (safety bound)")
    args = ap.parse_args()

    # Block the stop signals so they can be waited for with a timeout below.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

    sessions = []
    started = time.monotonic()
    try:
        for i in range(args.n):
            sessions.append(open_session(args.host, args.port, args.user, args.db, timeout=30))
            if (i + 1) % 1000 == 0:
                print(f"  {i + 1} sessions open", file=sys.stderr, flush=True)
    except (OSError, ConnectionError) as e:
        print(f"hold_sessions: session {len(sessions) + 1} failed: {e}", file=sys.stderr)
        return 1
    print(f"  {len(sessions)} sessions open in {time.monotonic() - started:.1f}s",
          file=sys.stderr, flush=True)

    with open(args.ready_file, "w") as f:
        f.write(f"{len(sessions)}\n")
    signal.sigtimedwait({signal.SIGTERM, signal.SIGINT}, args.hold)
    for s in sessions:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
