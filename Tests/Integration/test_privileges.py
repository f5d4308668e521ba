"""Least privilege: pgfloat keeps CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE and nothing else, and
the scripts it starts get no capability at all.

Read from /proc/PID/status of the daemon and of an external check script (which copies its own status), in
both ways pgfloat gets there:

- started as root with `[global] user = "nobody"`: it switches user itself;
- started by systemd as `User=` with `AmbientCapabilities=` and `CapabilityBoundingSet=` (simulated with
  setpriv, since CI has no systemd as PID 1): it narrows what it was given.

No PostgreSQL is needed: the external check answers for the one server.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import (HOST, FakeNotifySocket, PGFloat, free_port, pgfloat_bin, port_accepts, port_is_free,
                     wait_until)

# CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13).
KEPT = 0x3400
CAP_CHOWN = 1 << 0
CAPS = "net_admin,net_raw,net_bind_service"
USER, GROUP = "nobody", "nogroup"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching users and capabilities needs root")


def proc_status(text: str) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def caps(status: dict[str, str]) -> dict[str, int]:
    return {k: int(status[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def ids(status: dict[str, str], key: str) -> list[int]:
    return [int(x) for x in status[key].split()]


def low_ports(count: int) -> list[int]:
    """Free ports below 1024, where binding needs CAP_NET_BIND_SERVICE."""
    found = [p for p in range(990, 900, -1) if port_is_free(p)][:count]
    if len(found) < count:
        pytest.skip("no free ports in 901-990")
    return found


class Lab:
    """A daemon's files, readable by the unprivileged user: config, an external check script that copies its
    own /proc status, a folder it writes that copy to, and a run folder for the admin socket."""

    def __init__(self):
        self.user = pwd.getpwnam(USER)
        self.group = grp.getgrnam(GROUP)
        self.base = Path(tempfile.mkdtemp(prefix="pgfloat-priv-"))
        self.base.chmod(0o755)
        self.out = self.base / "out"
        self.run = self.base / "run"
        for folder in (self.out, self.run):
            folder.mkdir(mode=0o750)
            os.chown(folder, self.user.pw_uid, self.group.gr_gid)
        # Root-owned and not writable by others, as script security demands.
        self.script = self.base / "check.sh"
        self.script.write_text(
            "#!/bin/sh\n"
            f'cat /proc/$$/status > "{self.out}/status.$$" && mv "{self.out}/status.$$" "{self.out}/status"\n'
            "exit 0\n")
        self.script.chmod(0o755)
        self.admin_socket = self.run / "admin.sock"

    def config(self, listen: list[int], *, global_: str = "") -> str:
        binds = ", ".join(f'"{HOST}:{p}"' for p in listen)
        return f"""
[global]
admin_socket = "{self.admin_socket}"
shutdown_grace = "1s"
{global_}

[check]
type = "external"
command = "{self.script}"
interval = "300ms"

[[server]]
name = "pg1"
address = "{HOST}:{free_port()}"

[[listener]]
name = "main"
bind = [{binds}]
servers = ["pg1"]
"""

    def script_status(self, timeout: float = 15) -> dict[str, str]:
        path = self.out / "status"
        text = wait_until(lambda: path.exists() and path.read_text(), timeout, "the check script's /proc status")
        return proc_status(text)

    def binary(self) -> Path:
        """The pgfloat binary, copied here when the unprivileged user cannot reach the build's."""
        built = pgfloat_bin()
        reachable = subprocess.run(["setpriv", f"--reuid={USER}", f"--regid={GROUP}", "--clear-groups",
                                    "test", "-x", str(built)], timeout=10).returncode == 0
        if reachable:
            return built
        copy = self.base / "pgfloat"
        shutil.copy2(built, copy)
        copy.chmod(0o755)
        return copy

    def cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def lab():
    made = Lab()
    started: list[PGFloat] = []

    def start(config: str, binary: Path | None = None) -> PGFloat:
        pf = PGFloat(config, binary=binary)
        started.append(pf)
        pf.dir.chmod(0o755)  # the config is read again after the switch, as the user
        pf.config_path.chmod(0o644)
        return pf.start(timeout=30)

    made.start = start
    yield made
    for pf in started:
        code = pf.stop()
        print(f"--- pgfloat pid={pf.proc.pid if pf.proc else '-'} exit={code} log (tail) ---\n{pf.log_tail()}")
        pf.cleanup()
    made.cleanup()


def daemon_status(pf: PGFloat) -> dict[str, str]:
    return proc_status(Path(f"/proc/{pf.pid}/status").read_text())


def assert_admin_socket_answers(path: Path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(path))
        s.sendall(b"show info\n")
        assert s.recv(4096), "the admin socket answered nothing"


def assert_script_has_nothing(lab: Lab, uid: int, bounding: int):
    status = lab.script_status()
    assert ids(status, "Uid") == [uid] * 4
    assert caps(status) == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": bounding, "CapAmb": 0}


def test_root_switches_to_user_with_three_capabilities(lab):
    high = free_port()
    low, added = low_ports(2)
    pf = lab.start(lab.config([high, low], global_=f'user = "{USER}"\ngroup = "{GROUP}"'))
    uid, gid = lab.user.pw_uid, lab.group.gr_gid

    status = daemon_status(pf)
    assert ids(status, "Uid") == [uid] * 4
    assert ids(status, "Gid") == [gid] * 4
    assert caps(status) == {"CapInh": 0, "CapPrm": KEPT, "CapEff": KEPT, "CapBnd": KEPT, "CapAmb": 0}
    assert ("privileges dropped bounding=cap_net_bind_service,cap_net_admin,cap_net_raw "
            f"kept=cap_net_bind_service,cap_net_admin,cap_net_raw user={USER}") in pf.log_text()
    assert port_accepts(high) and port_accepts(low)
    assert stat.S_ISSOCK(lab.admin_socket.stat().st_mode)
    assert lab.admin_socket.stat().st_uid == uid
    assert_admin_socket_answers(lab.admin_socket)

    assert_script_has_nothing(lab, uid, bounding=KEPT)

    # A reload binds a new port below 1024 from a thread started after the switch: it still has the capability.
    assert pf.reload(lab.config([high, low, added], global_=f'user = "{USER}"\ngroup = "{GROUP}"')) == "applied"
    wait_until(lambda: port_accepts(added, timeout=0.2), 10, f"port {added} to accept after the reload")
    assert caps(daemon_status(pf))["CapEff"] == KEPT


@pytest.mark.parametrize("extra", [0, CAP_CHOWN], ids=["as-unit", "unit-granting-more"])
def test_systemd_user_with_ambient_capabilities_is_narrowed(lab, extra):
    """systemd's `User=nobody`, `AmbientCapabilities=` and `CapabilityBoundingSet=` of the three (and a unit that
    grants one more): pgfloat ends with the three effective and permitted, and clears ambient and inheritable so
    its scripts get nothing. Without CAP_SETPCAP the bounding set stays as the service manager set it."""
    granted = CAPS + (",chown" if extra else "")
    wrapper = lab.base / "as-systemd.sh"
    plus = ",".join(f"+{c}" for c in granted.split(","))
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec setpriv --reuid={USER} --regid={GROUP} --clear-groups --inh-caps={plus} --ambient-caps={plus} "
        f'--bounding-set=-all,{plus} -- "{lab.binary()}" "$@"\n')
    wrapper.chmod(0o755)
    high = free_port()
    (low,) = low_ports(1)
    pf = lab.start(lab.config([high, low]), binary=wrapper)
    uid = lab.user.pw_uid

    status = daemon_status(pf)
    assert ids(status, "Uid") == [uid] * 4
    assert caps(status) == {"CapInh": 0, "CapPrm": KEPT, "CapEff": KEPT, "CapBnd": KEPT | extra, "CapAmb": 0}
    assert (f"privileges dropped bounding=unchanged kept=cap_net_bind_service,cap_net_admin,cap_net_raw "
            f"user={USER}") in pf.log_text()
    assert port_accepts(high) and port_accepts(low)
    assert_admin_socket_answers(lab.admin_socket)

    assert_script_has_nothing(lab, uid, bounding=KEPT | extra)


def show_info(path: Path) -> dict[str, str]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(path))
        s.sendall(b"show info\n")
        text = b""
        while chunk := s.recv(65536):
            text += chunk
    return dict(line.split(": ", 1) for line in text.decode().splitlines() if ": " in line)


@pytest.mark.parametrize("bpf", [True, False], ids=["unit-with-sockmap-drop-in", "unit-without"])
def test_kernel_relay_loads_before_the_privilege_step(lab, bpf):
    """`relay = "sockmap"` under the unit with systemd/sockmap.conf (CAP_BPF added): the program loads at start and
    the daemon still ends with the three capabilities. Without the drop-in it runs the epoll relay and says why."""
    granted = CAPS + (",bpf" if bpf else "")
    plus = ",".join(f"+{c}" for c in granted.split(","))
    wrapper = lab.base / "as-systemd.sh"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec setpriv --reuid={USER} --regid={GROUP} --clear-groups --inh-caps={plus} --ambient-caps={plus} "
        f'--bounding-set=-all,{plus} -- "{lab.binary()}" "$@"\n')
    wrapper.chmod(0o755)
    pf = lab.start(lab.config([free_port()], global_='relay = "sockmap"'), binary=wrapper)

    held = caps(daemon_status(pf))
    assert (held["CapPrm"], held["CapEff"], held["CapAmb"], held["CapInh"]) == (KEPT, KEPT, 0, 0), held
    info = show_info(lab.admin_socket)
    if bpf:
        assert info["Relay"] == "sockmap", info
        assert "RelayFallback" not in info
    else:
        assert info["Relay"] == "epoll", info
        assert "Operation not permitted" in info["RelayFallback"], info
        assert "needs CAP_BPF and CAP_NET_ADMIN at start" in info["RelayFallback"], info


def test_unknown_user_refuses_to_start(lab):
    pf = PGFloat(lab.config([free_port()], global_='user = "pgfloat-no-such-user"'))
    try:
        with open(pf.log_path, "wb") as log:
            code = subprocess.run([str(pf.binary), "run", "-c", str(pf.config_path)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log, timeout=30).returncode
        assert code != 0
        assert 'cannot drop privileges: user: no user named "pgfloat-no-such-user"' in pf.log_text()
    finally:
        pf.cleanup()


def test_config_unreadable_by_user_refuses_to_start(lab):
    # PGFloat's folder is mkdtemp's 0700 root: the user cannot read the file it must re-read on reload.
    pf = PGFloat(lab.config([free_port()], global_=f'user = "{USER}"'))
    try:
        with open(pf.log_path, "wb") as log:
            code = subprocess.run([str(pf.binary), "run", "-c", str(pf.config_path)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log, timeout=30).returncode
        assert code != 0
        assert f"{pf.config_path}: not readable by user {USER}; make it root:{USER}, mode 0640" in pf.log_text()
    finally:
        pf.cleanup()


def test_script_user_other_than_user_is_a_config_error(lab, tmp_path):
    config = tmp_path / "pgfloat.toml"
    config.write_text(lab.config([free_port()], global_=f'user = "{USER}"\nscript_user = "root"'))
    result = subprocess.run([str(pgfloat_bin()), "check", "-c", str(config)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0
    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if text.startswith("script_user"))
    assert f"{config}:{line}: global.script_user: scripts run as user \"{USER}\"" in result.stdout + result.stderr


# ---------------------------------------------------------------------------
# The daemon's side of systemd's notify protocol, against a fake $NOTIFY_SOCKET (after dropping to nobody, as
# under the shipped unit: the socket must be writable by the daemon's user, as systemd's is).
# ---------------------------------------------------------------------------

def test_notifies_systemd_and_pings_the_watchdog(lab, monkeypatch):
    fake = FakeNotifySocket(lab.base / "notify")
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", str(fake.path))
        monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # pings every 0.5 s
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
        config = lab.config([free_port()], global_=f'user = "{USER}"\ngroup = "{GROUP}"')
        pf = lab.start(config)

        ready = fake.wait_for(lambda m: m.startswith("READY=1"), 10, "READY=1")
        assert ready == "READY=1\nSTATUS=serving 1 listener\n"
        assert fake.messages[0] == ready, "READY=1 is the first message"
        start = len(fake.messages)
        for n in range(4):
            fake.wait_for(lambda m: m == "WATCHDOG=1\n", 3, f"watchdog ping {n + 1}")
        assert all(m == "WATCHDOG=1\n" for m in fake.messages[start:])

        pf.reload(config)
        reloading = fake.wait_for(lambda m: m.startswith("RELOADING=1"), 10, "RELOADING=1")
        assert reloading.splitlines()[1].startswith("MONOTONIC_USEC=")
        int(reloading.splitlines()[1].partition("=")[2])
        assert fake.wait_for(lambda m: m.startswith("READY=1"), 10, "READY=1 after the reload") \
            == "READY=1\nSTATUS=serving 1 listener\n"

        assert pf.reload(config + "\n[bogus]\n") == "failed"
        assert fake.wait_for(lambda m: m.startswith("READY=1"), 10, "READY=1 after the failed reload") \
            == "READY=1\nSTATUS=serving 1 listener; last reload failed\n"

        pf.proc.send_signal(15)
        assert fake.wait_for(lambda m: m.startswith("STOPPING=1"), 10, "STOPPING=1") \
            == "STOPPING=1\nSTATUS=stopping: draining sessions\n"
        assert pf.wait_exit(15) == 0
        stopped_at = next(i for i, m in enumerate(fake.messages) if m.startswith("STOPPING=1"))
        assert "WATCHDOG=1\n" not in fake.messages[stopped_at:], "no pings after STOPPING=1"
    finally:
        fake.close()
