#!/usr/bin/env python3
"""Helpers for bench/failover.sh (stdlib only; everything on 127.0.0.1, every wait bounded).

    agent PORT=PGPORT ...        HTTP "role agent" per node for HAProxy's httpchk:
                                 GET /primary -> 200 iff pg_is_in_recovery() is false,
                                 GET /replica -> 200 iff it is true, else 503
    haproxy-wait SOCKET ...      wait until HAProxy's primary backend has exactly the given
                                 server UP (the others DOWN), via its stats socket
    round ...                    one measured failover: a write loop per proxy, stop the
                                 primary, promote the standby, time the first write that
                                 lands on it through each proxy; appends rows to a TSV
    summary TSV                  medians as a markdown table

All instants are time.monotonic() (CLOCK_MONOTONIC, one clock for every process), taken
in this one process.
"""

from __future__ import annotations

import argparse
import csv
import http.server
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def client_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PGSSLMODE="disable", PGGSSENCMODE="disable", PGCONNECT_TIMEOUT="10")
    env.update(extra)
    return env


def psql(port: int, sql: str, timeout: float, connect_timeout: int = 10) -> subprocess.CompletedProcess:
    cmd = ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", str(port),
           "-U", "postgres", "-d", "postgres", "-c", sql]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=client_env(PGCONNECT_TIMEOUT=str(connect_timeout)))


# ---------------------------------------------------------------------------
# agent
# ---------------------------------------------------------------------------

def agent(args) -> None:
    """One thread per node; serves until SIGTERM."""
    servers = []
    for pair in args.map:
        listen_port, pg_port = (int(x) for x in pair.split("="))

        class Handler(http.server.BaseHTTPRequestHandler):
            pg = pg_port

            def do_GET(self):  # noqa: N802 (http.server's naming)
                try:
                    r = psql(self.pg, "SELECT pg_is_in_recovery()", timeout=3, connect_timeout=2)
                    state = r.stdout.strip() if r.returncode == 0 else None
                except subprocess.TimeoutExpired:
                    state = None
                ok = {"/primary": state == "f", "/replica": state == "t",
                      "/health": state is not None}.get(self.path, False)
                body = f"{state or 'unreachable'}\n".encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):  # quiet
                pass

        srv = http.server.ThreadingHTTPServer((HOST, listen_port), Handler)
        srv.daemon_threads = True
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("agent ready", flush=True)
    threading.Event().wait()  # until SIGTERM ends the process


# ---------------------------------------------------------------------------
# haproxy-wait
# ---------------------------------------------------------------------------

def haproxy_stat(sock_path: str) -> dict[tuple[str, str], str]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(sock_path)
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().lstrip("# ").splitlines()
    return {(r["pxname"], r["svname"]): r["status"] for r in csv.DictReader(lines) if r.get("pxname")}


def haproxy_wait(args) -> None:
    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = haproxy_stat(args.socket)
            status = {sv: st for (px, sv), st in last.items() if px == args.backend
                      and sv not in ("FRONTEND", "BACKEND")}
            if status and all(st.startswith("UP") == (sv == args.up) for sv, st in status.items()):
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"haproxy-wait: {args.backend} did not settle on {args.up} within {args.timeout}s: {last}")


# ---------------------------------------------------------------------------
# round
# ---------------------------------------------------------------------------

WRITE = "INSERT INTO bench_writes (proxy) VALUES ('{label}') RETURNING inet_server_port()"


class Writer(threading.Thread):
    """Fresh psql connection per INSERT, one attempt every `every` seconds (the next starts
    at once when one took longer), until stopped or `duration` runs out."""

    def __init__(self, label: str, port: int, every: float, duration: float):
        super().__init__(daemon=True)
        self.label, self.port, self.every, self.duration = label, port, every, duration
        self.attempts: list[tuple[float, float, str | None, str]] = []  # start, end, port, error
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.duration
        sql = WRITE.format(label=self.label)
        while not self.stop.is_set() and time.monotonic() < deadline:
            start = time.monotonic()
            try:
                r = psql(self.port, sql, timeout=40, connect_timeout=35)
                landed = r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None
                error = "" if landed else (r.stderr.strip().splitlines() or ["?"])[-1][:160]
            except subprocess.TimeoutExpired:
                landed, error = None, "psql timed out"
            self.attempts.append((start, time.monotonic(), landed, error))
            self.stop.wait(max(0.0, start + self.every - time.monotonic()))

    def successes(self) -> int:
        return sum(1 for a in self.attempts if a[2])

    def first_on(self, port: int, after: float):
        return next((a for a in list(self.attempts) if a[2] == str(port) and a[0] >= after), None)


def as_postgres(*cmd: str, timeout: float = 70) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True,
                   text=True, timeout=timeout)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise SystemExit(f"round: timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def run_round(args) -> None:
    writers = []
    for spec in args.proxy:
        label, port = spec.split("=")
        writers.append(Writer(label, int(port), args.every, args.timeout + 60))
    for w in writers:
        w.start()
    try:
        wait_for(lambda: all(w.successes() >= 5 for w in writers), 20,
                 "5 writes through every proxy before the failure", interval=0.1)
        # Not a wait for a condition: the failure must hit the proxies' check schedules at a
        # random phase, or every round sees the same distance to the next check.
        time.sleep(random.uniform(0, args.jitter))

        pg_ctl = os.path.join(args.pg_bin, "pg_ctl")
        as_postgres(pg_ctl, "stop", "-w", "-t", "60", "-m", "immediate", "-D", args.primary_datadir)
        stopped = time.monotonic()
        as_postgres(pg_ctl, "promote", "-W", "-D", args.standby_datadir)

        def promoted():
            r = psql(args.standby_port, "SELECT pg_is_in_recovery()", timeout=5, connect_timeout=2)
            return time.monotonic() if r.returncode == 0 and r.stdout.strip() == "f" else None
        promoted_at = wait_for(promoted, 30, "the standby to leave recovery", interval=0.01)

        wait_for(lambda: all(w.first_on(args.standby_port, stopped) for w in writers), args.timeout,
                 "a write to land on the promoted standby through every proxy", interval=0.05)
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(45)

    with open(args.out, "a", newline="") as f:
        out = csv.writer(f, delimiter="\t")
        for w in writers:
            first = w.first_on(args.standby_port, stopped)
            failed = sum(1 for a in w.attempts if a[0] >= stopped and a[0] <= first[0] and not a[2])
            errors = sorted({a[3] for a in w.attempts if a[0] >= stopped and not a[2]})
            out.writerow([args.round, w.label, f"{first[1] - promoted_at:.3f}", f"{first[1] - stopped:.3f}",
                          f"{promoted_at - stopped:.3f}", failed, " | ".join(errors)[:300]])
            print(f"  round {args.round} {w.label:8} promote->first write {first[1] - promoted_at:7.3f}s  "
                  f"stop->first write {first[1] - stopped:7.3f}s  failed attempts {failed}", file=sys.stderr)


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------

def summary(args) -> None:
    rows = list(csv.reader(open(args.tsv), delimiter="\t"))
    by: dict[str, list[list[str]]] = {}
    for r in rows:
        by.setdefault(r[1], []).append(r)
    rounds = len({r[0] for r in rows})
    print(f"\nClient-observed write outage after `pg_ctl stop -m immediate` of the primary and an immediate "
          f"`pg_ctl promote` of standby1; fresh psql connection per INSERT every {args.every_ms} ms; "
          f"{rounds} rounds, medians (min-max)\n")
    print("| proxy | checks | promote -> first write (s) | primary stop -> first write (s) "
          "| failed attempts |")
    print("|---|---|---:|---:|---:|")
    checks = {"haproxy": "httpchk GET /primary to a role agent, inter 3s fall 3 rise 2",
              "pgfloat": "pgsql, interval 3s, fast_interval 500ms, rise 2, fall 3"}

    def cell(values):
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
    for label in ("haproxy", "pgfloat"):
        if label not in by:
            continue
        rs = by[label]
        promote = [float(r[2]) for r in rs]
        stop = [float(r[3]) for r in rs]
        failed = [int(r[5]) for r in rs]
        print(f"| {label} | {checks[label]} | {cell(promote)} | {cell(stop)} | {statistics.median(failed):.0f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    a = sub.add_parser("agent")
    a.add_argument("map", nargs="+", help="LISTEN_PORT=PG_PORT")
    a.set_defaults(func=agent)

    h = sub.add_parser("haproxy-wait")
    h.add_argument("socket")
    h.add_argument("--backend", required=True)
    h.add_argument("--up", required=True, help="the one server that must be UP")
    h.add_argument("--timeout", type=float, default=40)
    h.set_defaults(func=haproxy_wait)

    r = sub.add_parser("round")
    r.add_argument("--round", required=True)
    r.add_argument("--proxy", action="append", required=True, help="LABEL=PORT, repeatable")
    r.add_argument("--primary-datadir", required=True)
    r.add_argument("--standby-datadir", required=True)
    r.add_argument("--standby-port", type=int, required=True)
    r.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    r.add_argument("--every", type=float, default=0.05)
    r.add_argument("--jitter", type=float, default=3.0,
                   help="random 0..JITTER s before the stop (one check interval)")
    r.add_argument("--timeout", type=float, default=60, help="max seconds from stop to a write on the standby")
    r.add_argument("--out", required=True)
    r.set_defaults(func=run_round)

    s = sub.add_parser("summary")
    s.add_argument("tsv")
    s.add_argument("--every-ms", default="50")
    s.set_defaults(func=summary)

    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
