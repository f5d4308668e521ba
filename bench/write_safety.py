#!/usr/bin/env python3
"""Write safety across failovers: acknowledged, lost and refused writes per scenario and proxy (issue 16).

Run it through bench/write-safety.sh (as root). The scenarios and the writer are Tests/Integration/write_safety.py's
(the integration test runs the same code, bounded, for pgfloat only); here every contender runs at once in front of
the same cluster, each with its own writer (a fresh psql connection per INSERT of a unique id, one every 50 ms):

    (a)+(b)  a primary + standby1 cluster (harness.PGCluster): standby1 promoted by hand, the old primary left up
             and writable; then standby1 dies (`-m immediate`) while the old primary is still up
    (c)      a real two-node Patroni cluster whose members reach etcd through relays: the leader's Patroni is cut
             off from etcd, its PostgreSQL and REST API stay reachable
    (d)      a fresh primary + standby1 cluster: a switchover (old primary `-m fast`, standby1 promoted) under a
             pgbench load (`-C`, 2 clients) through every contender

Contenders:
    HAProxy        the design document's primary listener: `option httpchk GET /primary`, `http-check expect status
                   200`, `default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`, default balance
                   (roundrobin), one thread. Against Patroni's REST port in (c); in the other scenarios, where there
                   is no Patroni, against failover_tools.py's role agent (200 on /primary iff pg_is_in_recovery() is
                   false), as bench/failover.sh does
    pgfloat        `pgsql` checks ((c): `patroni`) at pgfloat's default timing (interval 3s, fast_interval 500ms,
                   rise 2, fall 3), role primary, balance first, timeout_queue 5s
    pgfloat 250ms  the same with interval 250ms, fast_interval 100ms
    pgfloat [dcs]  default timing plus `[dcs]` on an etcd: in (a)+(b) and (d) the script writes the leader key
                   before it promotes, as Patroni does; in (c) Patroni writes it

Lost = acknowledged ids missing from the surviving primary (standby1 restarted after (b); the new leader in (c); the
promoted standby1 in (d)). All instants are time.monotonic() in this process; everything listens on 127.0.0.1 and
every process this script starts is stopped by its handle.
"""

from __future__ import annotations

import argparse
import calendar
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "Tests" / "Integration"))

from failover_tools import haproxy_stat  # noqa: E402
from harness import HOST, PGCluster, PGFloat, free_port, run_psql, wait_until  # noqa: E402
from patroni_harness import NAMESPACE, Etcd, PatroniCluster, ensure_etcd, missing, stop_process  # noqa: E402
from write_safety import (CREATE_TABLES, Contender, EtcdRelays, LeaderKey, Outcome,  # noqa: E402
                          cut_off_from_etcd, promote_and_die, switchover)

HAPROXY, PGFLOAT, FAST, DCS = "HAProxy", "pgfloat", "pgfloat 250ms", "pgfloat [dcs]"
CHECK_TIMING = {PGFLOAT: {}, FAST: {"interval": "250ms", "fast_interval": "100ms"}, DCS: {}}
TIMEOUT_QUEUE = "5s"
SCENARIOS = {
    "a": "(a) promotion, old primary left writable",
    "b": "(b) then the new primary dies",
    "c": "(c) Patroni failover, old leader cut off from etcd",
    "d": "(d) switchover under pgbench",
}


def toml(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def pgfloat_config(servers: dict[str, tuple[int, int | None]], port: int, check: dict, dcs: dict | None) -> str:
    """servers: name -> (PostgreSQL port, check port or None)."""
    # RELAY: the README's table was measured with epoll; RELAY=sockmap measures the kernel relay.
    text = ('[global]\nshutdown_grace = "5s"\n'
            f'relay = "{os.environ.get("RELAY", "epoll")}"\n\n'
            f'[defaults]\ntimeout_connect = "5s"\ntimeout_queue = "{TIMEOUT_QUEUE}"\nmaxconn = 1000\n\n'
            "[check]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in check.items()) + "\n")
    for name, (pg_port, check_port) in servers.items():
        text += f'[[server]]\nname = "{name}"\naddress = "{HOST}:{pg_port}"\n'
        text += f"check_port = {check_port}\n\n" if check_port else "\n"
    text += (f'[[listener]]\nname = "postgres_primary"\nbind = ["{HOST}:{port}"]\nrole = "primary"\n'
             f'balance = "first"\nservers = {toml(list(servers))}\n')
    if dcs:
        text += "\n[dcs]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in dcs.items())
    return text


def haproxy_config(servers: dict[str, tuple[str, int]], port: int, sock: Path) -> str:
    """servers: name -> (address, check port). The design document's primary listener."""
    lines = "".join(f"    server {name} {addr} check port {check_port}\n"
                    for name, (addr, check_port) in servers.items())
    return ("global\n    nbthread 1\n    maxconn 2000\n"
            f"    stats socket {sock} mode 600 level admin\n"
            "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
            "    retries 3\n"
            f"listen postgres_primary\n    bind {HOST}:{port}\n"
            "    option httpchk GET /primary\n    http-check expect status 200\n"
            "    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions\n" + lines)


class Proxies:
    """The contenders in front of one cluster, and every process started for them."""

    def __init__(self, work: Path, binary: str | None):
        self.work, self.binary = work, binary
        self.contenders: list[Contender] = []
        self.pgfloats: dict[str, PGFloat] = {}
        self.procs: list[subprocess.Popen] = []

    def agents(self, pg_ports: dict[str, int]) -> dict[str, int]:
        """failover_tools.py's role agent for each server: name -> agent port."""
        ports = {name: free_port() for name in pg_ports}
        proc = subprocess.Popen([sys.executable, str(BENCH / "failover_tools.py"), "agent",
                                 *(f"{ports[n]}={pg_ports[n]}" for n in pg_ports)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(proc)
        if proc.stdout.readline().strip() != "agent ready":
            raise RuntimeError("the role agent did not start")
        return ports

    def haproxy(self, servers: dict[str, tuple[str, int]]) -> None:
        port, sock, cfg = free_port(), self.work / f"haproxy-{uuid.uuid4().hex[:6]}.sock", self.work / "haproxy.cfg"
        cfg.write_text(haproxy_config(servers, port, sock))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], check=True, timeout=30)
        self.procs.append(subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.contenders.append(Contender(HAPROXY, port))
        self.haproxy_sock = sock

    def pgfloat(self, label: str, servers: dict[str, tuple[int, int | None]], check_type: str,
                dcs: dict | None) -> None:
        port = free_port()
        config = pgfloat_config(servers, port, {"type": check_type, **CHECK_TIMING[label]}, dcs)
        self.pgfloats[label] = PGFloat(config, binary=Path(self.binary)).start(ports=[port])
        self.contenders.append(Contender(label, port, follows_store=dcs is not None))

    def haproxy_settled(self, leader: str) -> bool:
        """Only the leader UP in HAProxy's primary listener: HAProxy starts every server UP and takes `fall`
        failed checks to mark one down, so a first write that lands on the leader proves nothing."""
        try:
            status = {sv: st for (px, sv), st in haproxy_stat(str(self.haproxy_sock)).items()
                      if px == "postgres_primary" and sv not in ("FRONTEND", "BACKEND")}
        except OSError:
            return False
        return bool(status) and all(st.startswith("UP") == (sv == leader) for sv, st in status.items())

    def wait_routed(self, leader: str, pg_port: int, timeout: float = 60) -> None:
        wait_until(lambda: self.haproxy_settled(leader), timeout, f"HAProxy to have only {leader} UP", interval=0.2)
        for c in self.contenders:
            wait_until(lambda: run_psql(c.port, "SELECT inet_server_port()", timeout=20).stdout.strip()
                       == str(pg_port), timeout, f"{c.label} to route writes to {pg_port}", interval=0.2)

    def close(self, log_dir: Path | None, tag: str) -> None:
        for proc in self.procs:
            stop_process(proc)
        for label, pf in self.pgfloats.items():
            pf.stop()
            if log_dir is not None and pf.log_path.exists():
                shutil.copy(pf.log_path, log_dir / f"{tag}-{label.replace(' ', '-')}.log")
            pf.cleanup()


def seen_promotion(pf: PGFloat, server_name: str, wall_offset: float) -> float | None:
    """The monotonic instant of pgfloat's first log line that has `server_name` answering primary on a newer
    timeline (or, failing that, turning primary); None if there is none."""
    for line in pf.log_text().splitlines():
        if f"server={server_name} " in line and ("newest primary timeline" in line or "to=primary" in line):
            stamp = line.split(" ", 1)[0]  # 2026-12-06T02:50:52.720Z
            wall = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + stamp[19:-1])
            return wall - wall_offset
    return None


def static_scenario(which: str, binary: str | None, etcd: Etcd | None, work: Path,
                    log_dir: Path | None) -> tuple[Outcome, dict[str, float | None]]:
    cluster = PGCluster(standbys=1, name=f"pgfloat-ws-{which}")
    proxies = Proxies(work, binary)
    try:
        cluster.psql("primary", CREATE_TABLES)
        wait_until(lambda: cluster.psql("standby1", "SELECT to_regclass('write_safety_load') IS NOT NULL") == "t",
                   15, "the tables to reach standby1")
        pg_ports = {n: cluster.nodes[n].port for n in ("primary", "standby1")}
        agents = proxies.agents(pg_ports)
        proxies.haproxy({n: (f"{HOST}:{pg_ports[n]}", agents[n]) for n in pg_ports})
        key = None
        if binary:
            servers = {n: (p, None) for n, p in pg_ports.items()}
            proxies.pgfloat(PGFLOAT, servers, "pgsql", None)
            proxies.pgfloat(FAST, servers, "pgsql", None)
            if etcd is not None:
                scope = f"ws-{uuid.uuid4().hex[:10]}"
                key = LeaderKey(etcd, f"{NAMESPACE}{scope}")
                key.set("primary")
                proxies.pgfloat(DCS, servers, "pgsql", {"type": "etcd3", "endpoints": [etcd.client_url],
                                                        "namespace": NAMESPACE.rstrip("/"), "scope": scope})
        proxies.wait_routed("primary", cluster.primary.port)
        wall_offset = time.time() - time.monotonic()
        if which == "ab":
            outcome = promote_and_die(cluster, proxies.contenders, key, steady=2.0, dead=8.0)
        else:
            outcome = switchover(cluster, proxies.contenders, key, work, steady=2.0, load_seconds=20)
        seen = {label: seen_promotion(pf, "standby1", wall_offset) for label, pf in proxies.pgfloats.items()}
        return outcome, {label: (t - outcome.events["promoted"] if t else None) for label, t in seen.items()}
    finally:
        proxies.close(log_dir, which)
        cluster.teardown()


def patroni_scenario(binary: str | None, work: Path, log_dir: Path | None) -> Outcome:
    relays = EtcdRelays()
    cluster = PatroniCluster(size=2, etcd_via=relays.via)
    proxies = Proxies(work, binary)
    try:
        leader = cluster.wait_healthy(180)
        r = run_psql(cluster.nodes[leader].pg_port, CREATE_TABLES)
        if r.returncode != 0:
            raise RuntimeError(f"create tables: {r.stderr.strip()}")
        for node in cluster.nodes.values():
            wait_until(lambda: run_psql(node.pg_port, "SELECT to_regclass('write_safety_load') IS NOT NULL",
                                        timeout=10).stdout.strip() == "t", 30, f"the tables to reach {node.name}")
        proxies.haproxy({n: (f"{HOST}:{node.pg_port}", node.rest_port) for n, node in cluster.nodes.items()})
        if binary:
            servers = {n: (node.pg_port, node.rest_port) for n, node in cluster.nodes.items()}
            proxies.pgfloat(PGFLOAT, servers, "patroni", None)
            proxies.pgfloat(FAST, servers, "patroni", None)
            proxies.pgfloat(DCS, servers, "patroni", {"type": "etcd3", "endpoints": [cluster.etcd.client_url],
                                                      "namespace": NAMESPACE.rstrip("/"), "scope": cluster.scope})
        proxies.wait_routed(leader, cluster.nodes[leader].pg_port, timeout=90)
        return cut_off_from_etcd(cluster, relays, proxies.contenders)
    finally:
        proxies.close(log_dir, "c")
        cluster.teardown()
        relays.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pgfloat", default="", help="pgfloat binary; empty: HAProxy only")
    p.add_argument("--scenarios", default="abcd", help="any of a, b, c, d ((a) and (b) run together)")
    p.add_argument("--log-dir", default="", help="copy each scenario's pgfloat logs here")
    args = p.parse_args()
    log_dir = Path(args.log_dir) if args.log_dir else None
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    etcd_missing = ensure_etcd()
    if etcd_missing:
        print(f"write-safety: no etcd ({etcd_missing}): pgfloat [dcs] left out", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="pgfloat-ws-bench-"))
    etcd = None
    counts: dict[str, dict[str, object]] = {}
    notes: list[str] = []
    try:
        if not etcd_missing and args.pgfloat:
            etcd = Etcd(work, f"ws-{uuid.uuid4().hex[:8]}")
            etcd.start()
        if set(args.scenarios) & {"a", "b"}:
            print("running (a)+(b)", file=sys.stderr, flush=True)
            outcome, seen = static_scenario("ab", args.pgfloat or None, etcd, work, log_dir)
            for label, by in outcome.counts.items():
                counts.setdefault(label, {}).update(by)
            notes += [f"(a) {label} saw standby1 primary {t:+.3f}s after it answered pg_is_in_recovery() = f"
                      for label, t in seen.items() if t is not None]
        if "c" in args.scenarios:
            reason = missing()
            if reason:
                notes.append(f"(c) not run: {reason}")
            else:
                print("running (c)", file=sys.stderr, flush=True)
                outcome = patroni_scenario(args.pgfloat or None, work, log_dir)
                for label, by in outcome.counts.items():
                    counts.setdefault(label, {}).update(by)
                e = outcome.events
                notes.append(f"(c) cut -> leader key on the other member {e['leader key'] - e['cut']:.2f}s, "
                             f"-> promoted {e['promoted'] - e['cut']:.2f}s")
        if "d" in args.scenarios:
            print("running (d)", file=sys.stderr, flush=True)
            outcome, _ = static_scenario("d", args.pgfloat or None, etcd, work, log_dir)
            for label, by in outcome.counts.items():
                counts.setdefault(label, {}).update(by)
            notes += [f"(d) pgbench through {label}: {summary or 'no summary (pgbench failed)'}"
                      for label, summary in outcome.load.items()]
    finally:
        if etcd is not None:
            etcd.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| scenario | proxy | attempts | acknowledged | lost | refused | old primary's last ack |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for letter, title in SCENARIOS.items():
        for label in (HAPROXY, PGFLOAT, FAST, DCS):
            got = counts.get(label, {}).get(letter)
            if got is None:
                continue
            window = "-" if got.window is None else f"{got.window:+.2f}s after {got.window_from}"
            print(f"| {title} | {label} | {got.attempts} | {got.acknowledged} | {len(got.lost)} | {got.refused} "
                  f"| {window} |")
    for note in notes:
        print(f"\n{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
