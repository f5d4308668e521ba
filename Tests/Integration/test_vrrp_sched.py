"""What the VRRP thread does to the kernel and what the kernel does for it, in network namespaces: the descriptor
count comes with the data plane's heartbeat (no /proc/self/fd listing on the VRRP thread), `vrrp_rt_priority`
puts that thread alone in SCHED_RR, `lock_memory` locks the process's pages, and `pgfloat release-vips` (the
unit's ExecStopPost) removes the VIPs a killed master left.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from harness import pgfloat_bin, wait_until
from netns_lab import Lab, lab_fixture  # noqa: F401
from test_vrrp import _needs_lab, Node, PORT, workdir  # noqa: F401


def single(lab: Lab, workdir: Path, **vrrp) -> Node:
    for host in ("p1", "db", "client"):
        lab.add_host(host)
    lab.tcp_listener("db", PORT)
    db = lab.address("db").split("/")[0]
    return Node(lab, "p1", workdir, db, lab.vip(), **vrrp)


def set_global(node: Node, **keys) -> None:
    lines = "".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in keys.items())
    node.config.write_text(node.config.read_text().replace("[global]\n", "[global]\n" + lines, 1))


def start_wrapped(node: Node, *wrapper: str) -> Node:
    """Starts the node's pgfloat behind `wrapper` (prlimit, setpriv: each execs it, so the PID stays pgfloat's)."""
    node.proc = node.lab.run(node.host, *wrapper, str(pgfloat_bin()), "run", "-c", str(node.config))
    wait_until(lambda: node.socket.exists(), 15, f"{node.host} admin socket")
    return node


def threads(pid: int) -> dict[str, list[int]]:
    """Thread ids by name, oldest first (a thread the VRRP thread starts inherits its name, not its policy)."""
    found: dict[str, list[int]] = {}
    for task in sorted(Path(f"/proc/{pid}/task").iterdir(), key=lambda task: int(task.name)):
        found.setdefault((task / "comm").read_text().strip(), []).append(int(task.name))
    return found


def policy(pid: int, tid: int) -> tuple[int, int]:
    """(scheduling policy, realtime priority) of one thread, from its stat line (fields 41 and 40)."""
    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # After "pid (comm) ": field 3 is fields[0]; rt_priority is field 40, policy field 41.
    return int(fields[38]) & 0xFF, int(fields[37])


def vrrp_thread(pid: int) -> int:
    wait_until(lambda: "pgfloat-vrrp" in threads(pid), 5, "the pgfloat-vrrp thread")
    return threads(pid)["pgfloat-vrrp"][0]


# ---------------------------------------------------------------------------
# descriptors: the heartbeat's count, no /proc listing
# ---------------------------------------------------------------------------

def test_descriptor_pressure_comes_from_the_heartbeat_without_listing_proc(lab, workdir):
    limit = 256
    node = start_wrapped(single(lab, workdir, advert_interval="100ms"), "prlimit", f"--nofile={limit}:{limit}", "--")
    vip = node.vip
    wait_until(lambda: lab.holders(vip, ["p1"]) == ["p1"], 10, "p1 to hold the VIP")

    # Every thread, traced for 3 s (the VRRP thread listed /proc/self/fd every second): the VRRP thread polls
    # (the data plane uses epoll), and nothing opens /proc/self/fd.
    trace = workdir / "vrrp.strace"
    subprocess.run(["timeout", "-s", "INT", "3", "strace", "-f", "-qq", "-e", "trace=openat,poll",
                    "-o", str(trace), "-p", str(node.proc.pid)], timeout=15)
    traced = trace.read_text()
    assert " poll(" in traced, f"strace saw nothing of the VRRP thread:\n{traced[:2000]}"
    assert "/proc/self/fd" not in traced, traced[:2000]

    # Clients the proxy holds push it past 95 % of its open-file limit: FAULT, and the VIP goes.
    clients = []
    try:
        for _ in range(200):
            s = lab.socket("client")
            s.settimeout(2)
            try:
                s.connect((vip, PORT))
                # Half a startup packet: the listener (TCP_DEFER_ACCEPT) hands the client over, which then waits.
                s.sendall(b"\0\0")
            except OSError:
                s.close()
                break
            clients.append(s)
            if len(clients) % 20 == 0 and node.state() == "FAULT":
                break
        wait_until(lambda: node.state() == "FAULT", 5, f"FAULT with {len(clients)} clients")
        reasons = node.vrrp()["reasons"].replace("_", " ")
        assert "file descriptors in use" in reasons and f"of {limit}" in reasons, reasons
        assert lab.holders(vip, ["p1"]) == []
    finally:
        for s in clients:
            s.close()
    # A client that closes with half a startup packet is let go at timeout_startup (10 s) at the latest.
    wait_until(lambda: lab.holders(vip, ["p1"]) == ["p1"], 15, "p1 back once the clients left")


# ---------------------------------------------------------------------------
# vrrp_rt_priority and lock_memory
# ---------------------------------------------------------------------------

# What the unit grants: no CAP_SYS_NICE or CAP_IPC_LOCK, only LimitRTPRIO= and LimitMEMLOCK=.
AS_THE_UNIT = ("prlimit", "--rtprio=10:10", "--memlock=unlimited:unlimited", "--",
               "setpriv", "--bounding-set=-sys_nice,-ipc_lock", "--inh-caps=-sys_nice,-ipc_lock", "--")


@pytest.mark.parametrize("privilege", ["limits", "root"])
def test_rt_priority_puts_only_the_vrrp_thread_in_sched_rr_and_lock_memory_locks(lab, workdir, privilege):
    if privilege == "limits" and subprocess.run(AS_THE_UNIT[:3] + ("true",)).returncode != 0:
        pytest.skip("cannot raise RLIMIT_RTPRIO/RLIMIT_MEMLOCK here (no CAP_SYS_RESOURCE)")
    node = single(lab, workdir)
    set_global(node, vrrp_rt_priority=10, lock_memory=True)
    start_wrapped(node, *(AS_THE_UNIT if privilege == "limits" else ()))
    wait_until(lambda: lab.holders(node.vip, ["p1"]) == ["p1"], 10, "p1 to hold the VIP")
    pid = node.proc.pid
    tid = vrrp_thread(pid)
    assert policy(pid, tid) == (2, 10), "SCHED_RR at priority 10"
    others = [(name, t, policy(pid, t)) for name, tids in threads(pid).items() for t in tids if t != tid]
    assert all(p == (0, 0) for _, _, p in others), others
    locked = re.search(r"VmLck:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert locked and int(locked.group(1)) > 1000, Path(f"/proc/{pid}/status").read_text()
    assert "warning" not in node.log().lower() or "SCHED_RR" not in node.log()


def test_refused_rt_priority_and_lock_memory_are_warnings_and_vrrp_runs_on(lab, workdir):
    node = single(lab, workdir)
    set_global(node, vrrp_rt_priority=10, lock_memory=True)
    start_wrapped(node, "prlimit", "--rtprio=0:0", "--memlock=65536:65536", "--",
                  "setpriv", "--bounding-set=-sys_nice,-ipc_lock", "--inh-caps=-sys_nice,-ipc_lock", "--")
    wait_until(lambda: lab.holders(node.vip, ["p1"]) == ["p1"], 10, "p1 to hold the VIP regardless")
    pid = node.proc.pid
    assert policy(pid, vrrp_thread(pid)) == (0, 0)
    log = node.log()
    assert log.count("VRRP thread left in the normal scheduler") == 1, log
    assert "LimitRTPRIO=10" in log and "lock_memory: cannot lock" in log, log


# ---------------------------------------------------------------------------
# release-vips (pgfloat.service's ExecStopPost)
# ---------------------------------------------------------------------------

def release_vips(lab: Lab, node: Node, *as_user: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", lab.ns(node.host), *as_user, str(pgfloat_bin()),
                           "release-vips", "-c", str(node.config)], capture_output=True, text=True, timeout=30)


def test_release_vips_removes_what_a_killed_master_left_and_nothing_else(lab, workdir):
    node = single(lab, workdir).start()
    vip = node.vip
    wait_until(lambda: lab.holders(vip, ["p1"]) == ["p1"], 10, "p1 to hold the VIP")
    own = lab.addresses("p1")
    node.stop(signal.SIGKILL)
    assert lab.holders(vip, ["p1"]) == ["p1"], "a killed master leaves its VIP"

    # As pgfloat.service runs it: an unprivileged user with the unit's ambient CAP_NET_ADMIN and nothing else.
    os.chmod(workdir, 0o755)
    node.config.chmod(0o644)
    unit = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all,+net_admin",
            "--ambient-caps=-all,+net_admin", "--bounding-set=-all,+net_admin", "--")
    released = release_vips(lab, node, *unit)
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"VI_1: removed {vip}/24 from eth0" in released.stdout, released.stdout
    assert lab.holders(vip, ["p1"]) == []
    assert [a for a in lab.addresses("p1") if not a.startswith(vip + "/")] == [
        a for a in own if not a.startswith(vip + "/")], "the node's own address stays"

    # Absent: nothing to do, exit 0 (a graceful stop already removed them, or the node was backup).
    again = release_vips(lab, node, *unit)
    assert again.returncode == 0 and f"{vip}/24 was not on eth0" in again.stdout, again.stdout + again.stderr

    # Without CAP_NET_ADMIN a present VIP cannot go: exit 1, and it says why.
    lab.ip("p1", "addr", "add", f"{vip}/24", "dev", "eth0")
    bare = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--")
    refused = release_vips(lab, node, *bare)
    assert refused.returncode == 1 and "cannot remove" in refused.stdout, refused.stdout + refused.stderr
    assert lab.holders(vip, ["p1"]) == ["p1"]
    # The daemon, started again, cleans it up as before.
    node.start()
    wait_until(lambda: "state=MASTER" in node.ctl("show vrrp"), 10, "p1 master again")


def test_release_vips_also_removes_what_the_daemon_held_but_the_file_no_longer_names(lab, workdir):
    """The daemon lists the VIPs it may hold in $RUNTIME_DIRECTORY/held-vips (systemd's RuntimeDirectory=):
    a file edited after the daemon took a VIP, and not reloaded, no longer names it, yet release-vips removes it."""
    node = single(lab, workdir)
    vip, second = node.vip, lab.vip(1)
    node.write(lab.address("db").split("/")[0],
               virtual_addresses=[f"{vip}/24", f"{second}/24"])
    runtime = workdir / "runtime"
    runtime.mkdir()
    env = ("env", f"RUNTIME_DIRECTORY={runtime}")
    start_wrapped(node, *env)
    wait_until(lambda: lab.holders(second, ["p1"]) == ["p1"], 10, "p1 to hold both VIPs")
    held = (runtime / "held-vips").read_text()
    assert held == f"VI_1 eth0 {vip}/24\nVI_1 eth0 {second}/24\n", held

    node.write(lab.address("db").split("/")[0], virtual_addresses=[f"{vip}/24"])
    node.stop(signal.SIGKILL)
    released = release_vips(lab, node, *env)
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"VI_1: removed {second}/24 from eth0" in released.stdout, released.stdout
    assert lab.holders(vip, ["p1"]) == [] and lab.holders(second, ["p1"]) == []


def test_release_vips_removes_the_held_vips_even_when_the_file_does_not_load(lab, workdir):
    """A killed master and a broken edit of the file (ExecStopPost runs on the same file): the VIPs the daemon
    listed as held still go, and the exit status says the file did not load."""
    node = single(lab, workdir)
    runtime = workdir / "runtime"
    runtime.mkdir()
    env = ("env", f"RUNTIME_DIRECTORY={runtime}")
    start_wrapped(node, *env)
    wait_until(lambda: lab.holders(node.vip, ["p1"]) == ["p1"], 10, "p1 to hold the VIP")
    node.stop(signal.SIGKILL)
    node.config.write_text(node.config.read_text() + "\n[[vrrp]\nthis is not toml\n")

    released = release_vips(lab, node, *env)
    assert released.returncode == 1, released.stdout + released.stderr
    assert f"VI_1: removed {node.vip}/24 from eth0" in released.stdout, released.stdout
    assert lab.holders(node.vip, ["p1"]) == []
