#!/usr/bin/python3
"""pgfloat demo: the whole appliance in network namespaces, played scenario by scenario.

    make demo           # builds the release binary, plays the scenario, keeps running until Ctrl-C
    make demo ONCE=1    # plays the scenario, tears down, exits non-zero if a step failed
    PGFLOAT_BIN=.build/debug/pgfloat python3 demo/run_demo.py --once

Layout and mechanics: Tests/Integration/appliance_lab.py. Nothing is added to the root namespace: the bridges
live in a switch namespace of their own, every host is a namespace, and everything is removed on exit
(Ctrl-C and SIGTERM included).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Integration"))

from appliance_lab import RW_PORT, Appliance, appliance_unavailable  # noqa: E402
from harness import pgfloat_bin, wait_until  # noqa: E402

T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T0:7.2f}s] {msg}", flush=True)


@dataclass
class Result:
    step: str
    ok: bool
    write_gap: float
    read_gap: float
    write_failed: int
    read_failed: int
    note: str


class Demo:
    def __init__(self, app: Appliance):
        self.app = app
        self.results: list[Result] = []

    def measure(self, step: str, start: float, ok: bool, note: str) -> Result:
        load = self.app.load
        w, r = load.window("write", start), load.window("read", start)
        say(f"  {w.line()}")
        say(f"  {r.line()}")
        res = Result(step, ok, w.longest_gap, r.longest_gap, w.failed, r.failed, note)
        self.results.append(res)
        say(f"  => {'PASS' if ok else 'FAIL'}: {note}")
        return res

    def settle_until(self, predicate, timeout: float, what: str) -> bool:
        try:
            wait_until(predicate, timeout, what, interval=0.1)
            return True
        except TimeoutError as e:
            say(f"  !! {e}")
            return False

    # -- the steps -------------------------------------------------------
    def normal_traffic(self) -> None:
        say("STEP 1  normal traffic: INSERT via VIP:5432 and SELECT via VIP:5433 every 100 ms")
        start = time.monotonic()
        time.sleep(4)
        load = self.app.load
        w = load.window("write", start)
        ok = w.failed == 0 and load.window("read", start).failed == 0 and set(w.servers) == {"db1"}
        replicated = self.app.sql("db2", "SELECT count(*) FROM demo_load")
        self.measure("1 normal traffic", start, ok,
                     f"writes land on the primary db1; {replicated} rows already replicated to db2")

    def read_balancing(self) -> None:
        say("STEP 2  read balancing: fresh read-only connections round-robin over the standbys")
        start = time.monotonic()
        time.sleep(4)
        r = self.app.load.window("read", start)
        ok = r.failed == 0 and set(r.servers) == {"db2", "db3"} and min(r.servers.values()) >= r.ok // 3
        self.measure("2 read balancing", start, ok, "reads spread over db2 and db3, none on the primary db1")

    def rolling_drain(self) -> None:
        say("STEP 3  rolling maintenance: drain db3 through the admin socket of every proxy")
        for proxy, out in self.app.ctl_all("set server postgres_replicas/db3 state drain").items():
            say(f"  {proxy}$ set server postgres_replicas/db3 state drain -> {out.strip() or 'ok'}")
        start = time.monotonic()
        time.sleep(4)
        drained = self.app.load.window("read", start + 0.3)
        say(f"  db3 drained: reads now {drained.servers}; 'maintenance' on db3 would happen here")
        for proxy, out in self.app.ctl_all("set server postgres_replicas/db3 state ready").items():
            say(f"  {proxy}$ set server postgres_replicas/db3 state ready -> {out.strip() or 'ok'}")
        back = time.monotonic()
        time.sleep(3)
        returned = self.app.load.window("read", back)
        say(f"  db3 back: reads now {returned.servers}")
        w = self.app.load.window("write", start)
        ok = ("db3" not in drained.servers and drained.failed == 0 and w.failed == 0
              and "db3" in returned.servers and returned.failed == 0)
        self.measure("3 drain db3", start, ok, "db3 got no new sessions while drained, zero failed transactions")

    def kill_master_proxy(self) -> None:
        master = self.app.master() or "p1"
        say(f"STEP 4  kill the master proxy: SIGKILL pgfloat on {master} and cut its lan cable (host down)")
        seen = len(self.app.transitions())
        start = time.monotonic()
        self.app.kill_proxy(master, signal.SIGKILL)
        self.app.lab.cut(master)
        survivors = [p for p in ("p1", "p2", "p3") if p != master]
        moved = self.settle_until(lambda: [h for h in self.app.vip_holders() if h in survivors] == ["p2"]
                                  if master == "p1" else len([h for h in self.app.vip_holders()
                                                               if h in survivors]) == 1, 10, "the VIP to move")
        holder = [h for h in self.app.vip_holders() if h in survivors]
        say(f"  VIP {self.app.vip} now on {holder} after {time.monotonic() - start:.2f}s")
        recovered = self.settle_until(lambda: self.app.load.successes("write", time.monotonic() - 0.5) >= 3
                                      and self.app.load.successes("read", time.monotonic() - 0.5) >= 3,
                                      15, "writes and reads through the new master")
        time.sleep(1)
        for line in self.app.transitions()[seen:]:
            say(f"  notify: {line}")
        self.measure("4 proxy master killed", start, moved and recovered,
                     f"VIP moved {master} -> {','.join(holder)}; clients reconnected")
        say(f"  {master} returns: cable back, pgfloat restarted (it preempts with priority 100)")
        self.app.lab.heal(master)
        self.app.start_proxy(master)
        back = time.monotonic()
        ok = self.settle_until(lambda: self.app.vip_holders() == [master], 15, f"{master} to take the VIP back")
        self.settle_until(lambda: self.app.load.successes("write", time.monotonic() - 0.5) >= 3, 15, "writes")
        time.sleep(1)
        self.measure(f"4b {master} back (preempt)", back, ok, f"VIP back on {master}")

    def kill_primary(self) -> None:
        old = self.app.primary
        new = next(n for n in ("db2", "db3") if n != old)
        other = next(n for n in ("db1", "db2", "db3") if n not in (old, new))
        say(f"STEP 5  kill the primary database {old} (pg_ctl stop -m immediate), promote {new}, "
            f"re-point {other} at it")
        start = time.monotonic()
        self.app.pg_stop(old, "immediate")
        say(f"  {old} down; the failover manager's part (Patroni/repmgr would do it): pg_ctl promote {new}")
        self.app.promote(new)
        say(f"  {new} promoted after {time.monotonic() - start:.2f}s")
        self.app.follow(other, new)
        ok = self.settle_until(lambda: self.app.load.successes("write", time.monotonic() - 0.5, server=new) >= 3,
                               20, f"writes on {new}")
        say(f"  writes resumed on {new} {time.monotonic() - start:.2f}s after the crash")
        time.sleep(2)
        self.measure("5 primary killed + promotion", start, ok, f"writes resumed on {new}; reads served by {other}")

    # -- output ------------------------------------------------------------
    def summary(self) -> bool:
        say("SUMMARY (outage = longest gap between two successful operations; load every 100 ms)")
        print(f"  {'step':32s} {'result':6s} {'write outage':>13s} {'read outage':>12s} {'failed w/r':>11s}")
        for r in self.results:
            print(f"  {r.step:32s} {'PASS' if r.ok else 'FAIL':6s} {r.write_gap * 1000:10.0f} ms "
                  f"{r.read_gap * 1000:9.0f} ms {r.write_failed:5d}/{r.read_failed:<5d}")
        return all(r.ok for r in self.results)

    def where(self) -> None:
        app = self.app
        say("Where to look (stats page, Prometheus metrics, admin socket):")
        for p in ("p1", "p2", "p3"):
            ns = app.lab.ns(p)
            print(f"  {p}: ip netns exec {ns} curl -s {app.stats_url(p, '/stats')}   "
                  f"(/metrics, /status.json, /health)")
            print(f"      {app.binary} ctl -s {app.admin_socket(p)} 'show stat'")
        print(f"  VRRP transitions (notify hook): {app.notify_log()}")
        print(f"  client: ip netns exec {app.lab.ns('client')} psql -h {app.vip} -p {RW_PORT} -U postgres")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true", help="play the scenario, tear down, exit non-zero on failure")
    parser.add_argument("--advert", default=os.environ.get("DEMO_ADVERT", "200ms"),
                        help="VRRP advert_interval (default 200ms for a quick demo; production default is 1s)")
    parser.add_argument("--max-hours", type=float, default=24, help="keep-running mode stops after this long")
    args = parser.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with SIGINT ignored

    reason = appliance_unavailable()
    if reason:
        print(f"demo cannot run: {reason}", file=sys.stderr)
        return 2
    say(f"pgfloat binary {pgfloat_bin()}; VRRP advert_interval {args.advert} (master down after ~3 adverts); "
        "checks pgsql every 1s (250ms while changing), rise 2 fall 2; timeout_queue 10s")
    app = Appliance(advert_interval=args.advert, timeout_queue="10s", log=say)
    ok = False
    try:
        app.build()
        demo = Demo(app)
        demo.where()
        app.start_load()
        say("client load started in the client namespace")
        steps = (demo.normal_traffic, demo.read_balancing, demo.rolling_drain, demo.kill_master_proxy,
                 demo.kill_primary)
        for step in steps:
            try:
                step()
            except Exception as e:   # a failed step is reported, the next one still plays
                say(f"  !! step failed with {type(e).__name__}: {e}")
                demo.results.append(Result(step.__name__, False, 0, 0, 0, 0, str(e)))
        ok = demo.summary()
        if args.once:
            return 0 if ok else 1
        demo.where()
        say("running until Ctrl-C (status every 10 s)")
        deadline = time.monotonic() + args.max_hours * 3600
        for _ in range(int(args.max_hours * 360) + 1):
            if time.monotonic() > deadline:
                break
            mark = time.monotonic()
            time.sleep(10)
            w, r = app.load.window("write", mark), app.load.window("read", mark)
            say(f"VIP on {app.vip_holders()}, primary {app.primary} | {w.line()} | {r.line()}")
        return 0 if ok else 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130 if not ok else 0
    finally:
        say("tearing down (processes by PID, namespaces, data)")
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut the cleanup short
        app.close()
        say("done")


if __name__ == "__main__":
    sys.exit(main())
