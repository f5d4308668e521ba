#!/usr/bin/env python3
"""Client-observed write outage after a Patroni failover: HAProxy with the design document's settings, pgfloat with
`patroni` checks, and pgfloat with `patroni` checks plus the etcd watch (`[dcs]`), side by side in one run.

Run it through bench/patroni-failover.sh (as root). Each round builds a fresh Patroni cluster (etcd plus three nodes,
ttl 20, loop_wait 2, retry_timeout 5; Tests/Integration/patroni_harness.py) and puts the three contenders in front
of it. One write loop per contender (a fresh psql connection per INSERT, one every 50 ms, each loop its own thread)
runs while the leader fails:

    switchover  `patronictl switchover --leader OLD --candidate NEXT --force` (the first SWITCHOVER_ROUNDS rounds;
                the cluster then settles with every node streaming before the crash below)
    crash       SIGKILL of the leader's Patroni, then `pg_ctl stop -m immediate` of its PostgreSQL

A streaming `POST /v3/watch` on the leader key (etcd's JSON gateway) timestamps, as each event arrives, when Patroni
writes the new leader's name. Per contender: from the event (the SIGKILL, or the start of patronictl) to the first
INSERT that lands on the new leader (`RETURNING inet_server_port()`), from the leader-key write to that INSERT, and
from the promotion (a direct `SELECT pg_is_in_recovery()` loop on the new leader answers f, or an INSERT through
any contender lands there, whichever comes first) to that INSERT. Patroni takes the key first and promotes after;
that gap is Patroni's and counts against every contender alike. Medians over the rounds. The event comes a random
0-3 s (one check interval) after the write loops are warm.

All instants are time.monotonic() in this one process. Everything listens on 127.0.0.1; every process this script
starts is stopped by its handle (PatroniCluster.teardown stops Patroni, PostgreSQL and etcd).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "Tests" / "Integration"))

from failover_tools import Writer, haproxy_stat  # noqa: E402
from harness import HOST, PGFloat, client_env, free_port, run_psql, wait_until  # noqa: E402
from patroni_harness import (LOOP_WAIT, NAMESPACE, RETRY_TIMEOUT, TTL, EtcdWatchRecorder,  # noqa: E402
                             PatroniCluster, missing, stop_process)

EVERY = 0.05       # one INSERT attempt per contender every 50 ms
JITTER = 3.0       # random 0..JITTER s between warm write loops and the event

HAPROXY = "haproxy"
CHECKS = "pgfloat"
DCS = "pgfloat-dcs"
DESCRIPTION = {
    HAPROXY: ("HAProxy", "httpchk GET /primary on the REST port, inter 3s fall 3 rise 2"),
    CHECKS: ("pgfloat", "patroni, default timing"),
    DCS: ("pgfloat + etcd watch", "patroni, default timing, [dcs] etcd3"),
}


# ---------------------------------------------------------------------------
# the contenders
# ---------------------------------------------------------------------------

def haproxy_config(cluster: PatroniCluster, port: int, sock: Path) -> str:
    """failover.sh's HAProxy with the design document's Patroni checks: GET /primary on each REST port."""
    servers = "".join(f"    server {name} {HOST}:{node.pg_port} check port {node.rest_port}\n"
                      for name, node in cluster.nodes.items())
    return ("global\n    nbthread 1\n    maxconn 1000\n"
            f"    stats socket {sock} mode 600 level admin\n"
            "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 30m\n    timeout server 30m\n"
            "    retries 3\n"
            f"listen postgres_primary\n    bind {HOST}:{port}\n"
            "    option httpchk GET /primary\n    http-check expect status 200\n"
            "    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions\n" + servers)


def pgfloat_config(cluster: PatroniCluster, port: int, dcs: bool) -> str:
    """`patroni` checks at pgfloat's default timing (no interval, fast_interval, rise or fall set)."""
    # RELAY: the README's table was measured with epoll; RELAY=sockmap measures the kernel relay.
    text = ('[global]\nshutdown_grace = "5s"\nlog_sessions = true\n'
            f'relay = "{os.environ.get("RELAY", "epoll")}"\n\n'
            '[defaults]\ntimeout_connect = "5s"\ntimeout_client = "30m"\ntimeout_server = "30m"\n'
            'timeout_queue = "30s"\nretries = 3\nmaxconn = 1000\n\n'
            '[check]\ntype = "patroni"\n\n')
    for name, node in cluster.nodes.items():
        text += f'[[server]]\nname = "{name}"\naddress = "{HOST}:{node.pg_port}"\ncheck_port = {node.rest_port}\n\n'
    names = ", ".join(f'"{n}"' for n in cluster.nodes)
    text += (f'[[listener]]\nname = "postgres_primary"\nbind = ["{HOST}:{port}"]\nrole = "primary"\n'
             f'balance = "first"\non_marked_down = "shutdown-sessions"\nservers = [{names}]\n')
    if dcs:
        text += (f'\n[dcs]\ntype = "etcd3"\nendpoints = ["http://{HOST}:{cluster.etcd.client_port}"]\n'
                 f'namespace = "{NAMESPACE.rstrip("/")}"\nscope = "{cluster.scope}"\n')
    return text


def pgfloat_check(binary: str, config: str, work: Path) -> str | None:
    """None when `pgfloat check` accepts the config, else its complaint."""
    path = work / "check.toml"
    path.write_text(config)
    r = subprocess.run([binary, "check", "-c", str(path)], capture_output=True, text=True, timeout=30)
    return None if r.returncode == 0 else (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}")


@dataclass
class Setup:
    """One round's cluster and the contenders in front of it; `ports` maps a running contender to its port."""
    cluster: PatroniCluster
    work: Path
    ports: dict[str, int] = field(default_factory=dict)
    haproxy: subprocess.Popen | None = None
    haproxy_sock: Path | None = None
    pgfloats: dict[str, PGFloat] = field(default_factory=dict)

    def close(self, log_dir: Path | None, round_number: int) -> None:
        stop_process(self.haproxy)
        for pf in self.pgfloats.values():
            pf.stop()
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            for label, pf in self.pgfloats.items():
                if pf.log_path.exists():
                    shutil.copy(pf.log_path, log_dir / f"round{round_number}-{label}.log")
            for src in [self.work / "haproxy.err", self.cluster.etcd.log_path,
                        *(n.log_path for n in self.cluster.nodes.values())]:
                if src.exists():
                    shutil.copy(src, log_dir / f"round{round_number}-{src.name}")
        for pf in self.pgfloats.values():
            pf.cleanup()
        self.cluster.teardown()

    def leader_port(self, leader: str) -> int:
        return self.cluster.nodes[leader].pg_port

    def haproxy_settled(self, leader: str) -> bool:
        try:
            status = {sv: st for (px, sv), st in haproxy_stat(str(self.haproxy_sock)).items()
                      if px == "postgres_primary" and sv not in ("FRONTEND", "BACKEND")}
        except OSError:
            return False
        return bool(status) and all(st.startswith("UP") == (sv == leader) for sv, st in status.items())

    def wait_replicated(self, leader: str, timeout: float = 60) -> None:
        """Every other node streams from the leader and has replayed all its WAL. Patroni's own health (and so
        wait_healthy) can call a fresh replica healthy before its walreceiver has streamed anything (its slot did
        not exist yet, it retries every 5 s), and a switchover to it then loses bench_writes."""
        port, others = self.leader_port(leader), len(self.cluster.nodes) - 1
        sql = ("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
               "AND replay_lsn >= pg_current_wal_lsn()")

        def caught_up() -> bool:
            r = run_psql(port, sql, timeout=10)
            return r.returncode == 0 and r.stdout.strip() == str(others)
        wait_until(caught_up, timeout, f"every replica to stream and replay all of {leader}'s WAL", interval=0.2)

    def wait_routed(self, leader: str, timeout: float = 90) -> None:
        """Every contender sends connections to the leader (HAProxy: only the leader UP)."""
        if self.haproxy is not None:
            wait_until(lambda: self.haproxy_settled(leader), timeout, f"HAProxy to have only {leader} UP",
                       interval=0.2)
        want = str(self.leader_port(leader))

        def routed(port: int) -> bool:
            for _ in range(3):
                r = run_psql(port, "SELECT inet_server_port()", timeout=40)
                if r.returncode != 0 or r.stdout.strip() != want:
                    return False
            return True
        for label, port in self.ports.items():
            wait_until(lambda: routed(port), timeout, f"{label} to route to the leader {leader}", interval=0.2)


def build(binary: str | None, work: Path) -> tuple[Setup, str]:
    cluster = PatroniCluster()
    setup = Setup(cluster, work)
    try:
        leader = cluster.wait_healthy(180)
        r = run_psql(setup.leader_port(leader),
                     "CREATE TABLE bench_writes (id bigserial PRIMARY KEY, proxy text, at timestamptz DEFAULT now())")
        if r.returncode != 0:
            raise RuntimeError(f"create table: {r.stderr.strip()}")
        setup.wait_replicated(leader)

        port, setup.haproxy_sock = free_port(), work / "haproxy.sock"
        cfg = work / "haproxy.cfg"
        cfg.write_text(haproxy_config(cluster, port, setup.haproxy_sock))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], check=True, timeout=30)
        with open(work / "haproxy.err", "wb") as err:
            setup.haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err)
        setup.ports[HAPROXY] = port

        if binary:
            for label, dcs in ((CHECKS, False), (DCS, True)):
                port = free_port()
                config = pgfloat_config(cluster, port, dcs)
                complaint = pgfloat_check(binary, config, work)
                if complaint:
                    raise RuntimeError(f"pgfloat check rejected the {label} config:\n{complaint}")
                setup.pgfloats[label] = PGFloat(config, binary=Path(binary)).start(ports=[port])
                setup.ports[label] = port
        setup.wait_routed(leader)
        return setup, leader
    except BaseException:
        setup.close(None, 0)
        raise


# ---------------------------------------------------------------------------
# one measured failover
# ---------------------------------------------------------------------------

@dataclass
class Result:
    kind: str              # "crash" or "switchover"
    round: int
    contender: str
    outage: float | None   # event -> first write on the new leader (None: none within the timeout)
    key_delay: float | None  # leader key written -> that write
    promoted_delay: float | None  # new leader out of recovery -> that write
    failed: int            # attempts after the event that failed before it
    errors: str


def measure(kind: str, round_number: int, setup: Setup, leader: str,
            timeout: float) -> tuple[str, list[Result], dict[str, float]]:
    """Fails the leader one way. Returns the new leader, a result per contender, and Patroni's instants after the
    event: "key" (the new leader's name written to etcd) and "promoted" (it answers pg_is_in_recovery() = f)."""
    cluster = setup.cluster
    watch = EtcdWatchRecorder(cluster.etcd.client_url, cluster.leader_key).start()
    writers = [Writer(label, port, EVERY, timeout + 60) for label, port in setup.ports.items()]
    for w in writers:
        w.start()
    old_port = str(setup.leader_port(leader))
    ctl: subprocess.Popen | None = None
    try:
        wait_until(lambda: all(sum(1 for a in w.attempts if a[2] == old_port) >= 5 for w in writers), 30,
                   "5 writes through every contender to the leader before the event", interval=0.1)
        # Not a wait for a condition: the event must hit the check schedules at a random phase.
        time.sleep(random.uniform(0, JITTER))

        event = time.monotonic()
        if kind == "crash":
            cluster.crash(leader)
        else:
            candidate = sorted(n for n in cluster.nodes if n != leader)[0]
            # In the background: the write loops and the watch keep running while patronictl waits.
            ctl = subprocess.Popen(cluster.patronictl_cmd("switchover", "--leader", leader, "--candidate",
                                                          candidate, "--force"),
                                   cwd=cluster.base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(f"  round {round_number} {kind}: {leader} at +0.000s"
              + (f" (crash took {time.monotonic() - event:.3f}s)" if kind == "crash" else ""), file=sys.stderr)

        def new_leader() -> tuple[str, float] | None:
            return next(((e.value, e.at) for e in watch.snapshot() if e.at >= event and e.value not in (None, leader)),
                        None)
        found = wait_until(new_leader, timeout,
                           "Patroni to write a new leader into etcd", interval=0.02)
        new_leader, key_at = found
        new_port = setup.leader_port(new_leader)
        # Patroni takes the key, then promotes; how long that takes is Patroni's, not a proxy's.
        promoted_at = wait_until(lambda: out_of_recovery(new_port), max(1.0, event + timeout - time.monotonic()),
                                 f"{new_leader} to leave recovery", interval=0.01)

        def all_landed():
            return all(w.first_on(new_port, event) for w in writers)
        try:
            wait_until(all_landed, max(1.0, event + timeout - time.monotonic()),
                       "a write on the new leader through every contender", interval=0.05)
        except TimeoutError:
            pass  # recorded per contender below
    finally:
        if ctl is not None:
            try:
                out, _ = ctl.communicate(timeout=120)
                if ctl.returncode != 0:
                    print(f"  patronictl switchover exited {ctl.returncode}: {out.strip()[-300:]}",
                          file=sys.stderr)
            except subprocess.TimeoutExpired:
                ctl.kill()
                ctl.communicate(timeout=10)
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(45)
        watch.stop()

    # The poll sees the promotion up to one psql run (~20-30 ms) late; an INSERT that landed on the new leader is
    # proof too, so the earlier of the two is the promotion instant (both are upper bounds of the real one).
    landed = [first[1] for w in writers if (first := w.first_on(new_port, event))]
    promoted_at = min([promoted_at, *landed])
    deleted = (watch.first(None, event) or SimpleNamespace(at=None)).at
    print(f"  round {round_number} {kind}: leader key "
          + (f"deleted at +{deleted - event:.3f}s, " if deleted else "")
          + f"names {new_leader} at +{key_at - event:.3f}s; {new_leader} out of recovery at "
          f"+{promoted_at - event:.3f}s", file=sys.stderr)
    results = []
    for w in writers:
        first = w.first_on(new_port, event)
        end = first[0] if first else float("inf")
        failed = sum(1 for a in w.attempts if event <= a[0] <= end and not a[2])
        errors = " | ".join(sorted({a[3] for a in w.attempts if a[0] >= event and not a[2]}))[:300]
        outage = first[1] - event if first else None
        delay = first[1] - key_at if first else None
        promoted_delay = first[1] - promoted_at if first else None
        results.append(Result(kind, round_number, w.label, outage, delay, promoted_delay, failed, errors))
        shown = (f"event->first write {outage:7.3f}s  key->first write {delay:6.3f}s  "
                 f"promoted->first write {promoted_delay:6.3f}s" if first
                 else f"no write on {new_leader} within {timeout:.0f}s ({errors[:120]})")
        print(f"  round {round_number} {kind} {w.label:11} {shown}  failed attempts {failed}", file=sys.stderr)
    return new_leader, results, {"key": key_at - event, "promoted": promoted_at - event}


def out_of_recovery(port: int) -> float | None:
    """The instant `SELECT pg_is_in_recovery()` answered f on this node, directly."""
    try:
        r = run_psql(port, "SELECT pg_is_in_recovery()", timeout=5, env=client_env(PGCONNECT_TIMEOUT="2"))
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() if r.returncode == 0 and r.stdout.strip() == "f" else None


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------

def cell(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def summary(results: list[Result], patroni: dict[str, dict[str, list[float]]], rounds: dict[str, int],
            has_pgfloat: bool, wall: list[float]) -> None:
    labels = [HAPROXY] + ([CHECKS, DCS] if has_pgfloat else [])
    events = {"crash": "leader crash (SIGKILL Patroni + `pg_ctl stop -m immediate`)",
              "switchover": "`patronictl switchover`"}
    print(f"\nClient-observed write outage after a Patroni failover (3 nodes, etcd, ttl {TTL}, loop_wait {LOOP_WAIT}, "
          f"retry_timeout {RETRY_TIMEOUT}); fresh psql connection per INSERT every {int(EVERY * 1000)} ms; "
          f"medians (min-max); a fresh cluster per round, {statistics.median(wall):.0f} s wall time per round "
          f"(median)\n")
    print("| event | proxy | checks | event -> first write on new leader (s) | leader key -> first write (s) "
          "| promoted -> first write (s) | failed attempts | rounds |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for kind in ("crash", "switchover"):
        if not rounds.get(kind):
            continue
        for label in labels:
            name, checks = DESCRIPTION[label]
            rs = [r for r in results if r.kind == kind and r.contender == label]
            ok = [r for r in rs if r.outage is not None]
            failed = f"{statistics.median([r.failed for r in ok]):.0f}" if ok else "-"
            print(f"| {events[kind]} | {name} | {checks} | {cell([r.outage for r in ok])} "
                  f"| {cell([r.key_delay for r in ok])} | {cell([r.promoted_delay for r in ok])} | {failed} "
                  f"| {len(ok)}/{rounds[kind]} |")
        for what, key in (("event -> new leader key in etcd", "key"),
                          ("event -> new leader out of recovery", "promoted")):
            values = patroni.get(kind, {}).get(key, [])
            print(f"| {events[kind]} | (Patroni) | {what} | {cell(values)} | - | - | - "
                  f"| {len(values)}/{rounds[kind]} |")


# ---------------------------------------------------------------------------

def preflight(binary: str) -> str | None:
    """`pgfloat check` on the checks-only config with made-up ports, before any cluster is built."""
    node = SimpleNamespace(pg_port=5432, rest_port=8008)
    fake = SimpleNamespace(nodes={"node1": node, "node2": node, "node3": node},
                           etcd=SimpleNamespace(client_port=2379), scope="bench")
    with tempfile.TemporaryDirectory(prefix="pgfloat-patroni-bench-") as work:
        return pgfloat_check(binary, pgfloat_config(fake, 5999, dcs=False), Path(work))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pgfloat", default="", help="pgfloat binary; empty: HAProxy only")
    p.add_argument("--rounds", type=int, default=5, help="crash rounds")
    p.add_argument("--switchover-rounds", type=int, default=5)
    p.add_argument("--timeout", type=float, default=90,
                   help="max seconds from the event to a write on the new leader")
    p.add_argument("--log-dir", default="", help="copy each round's logs here")
    args = p.parse_args()
    reason = missing()
    if reason:
        print(f"patroni-failover: {reason}", file=sys.stderr)
        return 1
    log_dir = Path(args.log_dir) if args.log_dir else None
    if args.pgfloat:
        complaint = preflight(args.pgfloat)
        if complaint:
            print(f"patroni-failover: {args.pgfloat} rejects the checks-only config (no `patroni` checks?):\n"
                  f"{complaint}", file=sys.stderr)
            return 1
    total = max(args.rounds, args.switchover_rounds)
    contenders = "HAProxy" + (", pgfloat, pgfloat + etcd watch" if args.pgfloat else "")
    print(f"running {total} rounds ({args.rounds} crash, {args.switchover_rounds} switchover; {contenders})",
          file=sys.stderr)

    results: list[Result] = []
    patroni: dict[str, dict[str, list[float]]] = {}
    rounds: dict[str, int] = {"crash": args.rounds, "switchover": args.switchover_rounds}
    wall: list[float] = []
    broken = 0
    for n in range(1, total + 1):
        started = time.monotonic()
        work = Path(tempfile.mkdtemp(prefix="pgfloat-patroni-bench-"))
        setup = None
        try:
            setup, leader = build(args.pgfloat or None, work)
            print(f"round {n}: cluster and proxies ready in {time.monotonic() - started:.0f}s, leader {leader}",
                  file=sys.stderr)
            kinds = (["switchover"] if n <= args.switchover_rounds else []) + (["crash"] if n <= args.rounds else [])
            for i, kind in enumerate(kinds):
                if i:  # after a switchover: every node streaming again, every contender on the new leader
                    leader = setup.cluster.wait_healthy(180)
                    setup.wait_replicated(leader)
                    setup.wait_routed(leader)
                leader, rs, times = measure(kind, n, setup, leader, args.timeout)
                results += rs
                for key, value in times.items():
                    patroni.setdefault(kind, {}).setdefault(key, []).append(value)
        except Exception:  # a broken round is reported and skipped; the next one starts from scratch
            broken += 1
            print(f"round {n} failed:\n{traceback.format_exc()}", file=sys.stderr)
            if setup is not None:
                for label, pf in setup.pgfloats.items():
                    print(f"--- {label} log (tail) ---\n{pf.log_tail(20)}", file=sys.stderr)
        finally:
            if setup is not None:
                setup.close(log_dir, n)
            shutil.rmtree(work, ignore_errors=True)
        wall.append(time.monotonic() - started)
        print(f"round {n}: {wall[-1]:.0f}s wall time", file=sys.stderr)
        if broken >= 2 and not results:
            print("patroni-failover: two rounds failed before any measurement; giving up", file=sys.stderr)
            return 1

    summary(results, patroni, rounds, bool(args.pgfloat), wall)
    if broken:
        print(f"\n{broken} of {total} rounds failed (see above); their rows are missing from the medians")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
