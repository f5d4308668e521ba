"""Real keepalived (Debian package `keepalived`) inside a netns_lab host, as a VRRP peer.

    ensure_keepalived()   install the package if missing; None when ready, else a skip reason
    render_config(...)    keepalived.conf text for one vrrp_instance (v2 or v3)
    Keepalived            one foreground keepalived in a lab host: start, state, stop, crash
    keepalived_fixture    pytest fixture `keepalived`: a factory, every node stopped at teardown

keepalived runs as `keepalived -n -l -D -G -P -R -f CONF -p PID -r VRRP_PID` (foreground,
log to the console captured in a file, VRRP subsystem only, no respawn) with every
file in its own mkdtemp dir (0700, root), which `enable_script_security` accepts.
State changes are appended by a notify script: "<epoch> INSTANCE <name> <STATE> <prio>".
"""

from __future__ import annotations

import functools
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from harness import wait_until
from netns_lab import Lab, apt_install


def ensure_keepalived() -> str | None:
    if shutil.which("keepalived"):
        return None
    # The image's policy-rc.d keeps the package's own service from starting.
    reason = apt_install("keepalived")
    if reason:
        return f"keepalived is not installed and could not be: {reason}"
    return None if shutil.which("keepalived") else "keepalived installed but not on PATH"


@functools.lru_cache(maxsize=1)
def _help_text() -> str:
    r = subprocess.run(["keepalived", "--help"], capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def keepalived_version() -> str:
    r = subprocess.run(["keepalived", "--version"], capture_output=True, text=True, timeout=30)
    return (r.stdout + r.stderr).splitlines()[0].strip()


def run_flags() -> list[str]:
    """Foreground flags that this keepalived's --help lists (the first four are required)."""
    wanted = [("-n", "--dont-fork", True), ("-l", "--log-console", True),
              ("-D", "--log-detail", True), ("-P", "--vrrp", True),
              ("-G", "--no-syslog", False), ("-R", "--dont-respawn", False)]
    text = _help_text()
    flags = []
    for short, long, required in wanted:
        if long in text:
            flags.append(short)
        elif required:
            raise RuntimeError(f"keepalived --help does not list {long}")
    return flags


def render_config(*, router_id: str, vips: list[str], notify: str | None = None,
                  instance: str = "VI_1", interface: str = "eth0", vrid: int = 51,
                  priority: int = 100, advert_int: float = 1, version: int = 3,
                  auth_pass: str | None = None, nopreempt: bool = False,
                  state: str = "BACKUP", unicast_src: str | None = None,
                  unicast_peers: list[str] = (), garp_master_delay: int | None = None,
                  extra_global: list[str] = (), extra_instance: list[str] = (),
                  extra_top: list[str] = ()) -> str:
    """keepalived.conf with one vrrp_instance.

    version 2 takes auth_pass (simple-text PASS, at most 8 chars) and whole-second
    advert_int; version 3 has no authentication and allows centisecond advert_int.
    nopreempt needs state BACKUP (keepalived's rule).
    """
    if version not in (2, 3):
        raise ValueError("version must be 2 or 3")
    if not 1 <= vrid <= 255 or not 1 <= priority <= 255:
        raise ValueError("vrid and priority must be 1..255")
    if auth_pass is not None and (version != 2 or not 1 <= len(auth_pass) <= 8):
        raise ValueError("auth_pass is for VRRPv2 only and is 1..8 characters")
    if version == 2 and advert_int != int(advert_int):
        raise ValueError("VRRPv2 advert_int is whole seconds")
    if nopreempt and state != "BACKUP":
        raise ValueError("nopreempt needs state BACKUP")
    for a in [*vips, *unicast_peers, *([unicast_src] if unicast_src else [])]:
        ipaddress.ip_address(a.split("/")[0])  # raises on a typo
    adv = f"{advert_int:g}"
    g = ["global_defs {", f"    router_id {router_id}", f"    vrrp_version {version}",
         "    script_user root", "    enable_script_security",
         *(f"    {line}" for line in extra_global), "}", "", *extra_top, ""]
    i = [f"vrrp_instance {instance} {{", f"    state {state}", f"    interface {interface}",
         f"    virtual_router_id {vrid}", f"    priority {priority}", f"    advert_int {adv}"]
    if nopreempt:
        i.append("    nopreempt")
    if auth_pass is not None:
        i += ["    authentication {", "        auth_type PASS", f"        auth_pass {auth_pass}", "    }"]
    if unicast_src:
        i.append(f"    unicast_src_ip {unicast_src}")
    if unicast_peers:
        i += ["    unicast_peer {", *(f"        {p}" for p in unicast_peers), "    }"]
    if garp_master_delay is not None:
        i.append(f"    garp_master_delay {garp_master_delay}")
    i += ["    virtual_ipaddress {",
          *(f"        {v if '/' in v else v + '/32'} dev {interface}" for v in vips), "    }"]
    if notify:
        i.append(f'    notify "{notify}"')
    i += [f"    {line}" for line in extra_instance]
    i.append("}")
    return "\n".join(g + i) + "\n"


def config_test(text: str) -> subprocess.CompletedProcess:
    """`keepalived -t` on a config text (from a private temp dir); never raises on exit code."""
    d = Path(tempfile.mkdtemp(prefix="keepalived-t-"))
    try:
        conf = d / "keepalived.conf"
        conf.write_text(text)
        return subprocess.run(["keepalived", "-t", "-f", str(conf)], capture_output=True,
                              text=True, timeout=30)
    finally:
        shutil.rmtree(d, ignore_errors=True)


NOTIFY_SCRIPT = """#!/bin/sh
# keepalived calls: <INSTANCE|GROUP> <name> <MASTER|BACKUP|FAULT|STOP> <priority>
printf '%s %s %s %s %s\\n' "$(date +%s.%N)" "$1" "$2" "$3" "$4" >> '{path}'
"""


class Keepalived:
    """One keepalived in a lab host; all config keywords go to render_config()."""

    def __init__(self, lab: Lab, host: str, *, vips: list[str], priority: int = 100, **config):
        self.lab, self.host = lab, host
        self.instance = config.get("instance", "VI_1")
        self.vips = list(vips)
        self.dir = Path(tempfile.mkdtemp(prefix=f"keepalived-{host}-"))  # 0700, root
        self.conf_path = self.dir / "keepalived.conf"
        self.pid_path = self.dir / "keepalived.pid"
        self.vrrp_pid_path = self.dir / "vrrp.pid"
        self.log_path = self.dir / "keepalived.log"
        self.notify_path = self.dir / "notify.log"
        script = self.dir / "notify.sh"
        script.write_text(NOTIFY_SCRIPT.format(path=self.notify_path))
        script.chmod(0o755)
        self.config = render_config(router_id=f"{lab.prefix}{host}", vips=self.vips,
                                    priority=priority, notify=str(script), **config)
        self.conf_path.write_text(self.config)
        self.proc: subprocess.Popen | None = None

    # -- processes --------------------------------------------------------
    @property
    def pid(self) -> int:
        assert self.proc is not None, "keepalived not started"
        return self.proc.pid

    @property
    def vrrp_pid(self) -> int | None:
        """PID of the VRRP child (from its pid file), None if not (yet) known."""
        try:
            return int(self.vrrp_pid_path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 15) -> "Keepalived":
        """Start and wait until the VRRP child runs and has reported its first state."""
        cmd = ["keepalived", *run_flags(), "-f", str(self.conf_path),
               "-p", str(self.pid_path), "-r", str(self.vrrp_pid_path)]
        with open(self.log_path, "wb") as log:
            self.proc = self.lab.run(self.host, *cmd, stdout=log, stderr=subprocess.STDOUT)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError(f"keepalived on {self.host} exited {self.proc.returncode}:\n"
                                   + self.log_tail())
            return self.vrrp_pid is not None and self.state() is not None
        try:
            wait_until(up, timeout, f"keepalived on {self.host} to start")
        except TimeoutError as e:
            self.stop()
            raise TimeoutError(f"{e}\n{self.log_tail()}") from None
        return self

    def stop(self, timeout: float = 5) -> int | None:
        """SIGTERM (keepalived then sends a priority-0 advert as master), SIGKILL after timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.crash()
        return self.proc.returncode

    def crash(self) -> None:
        """SIGKILL the VRRP child, then the parent: no priority-0 advert, VIPs stay configured.

        The child goes first; killed second it would get SIGTERM from the parent's
        death and leave cleanly. Pair this with lab.cut(host) to take the dead host's
        stale VIP off the network.
        """
        child = self.vrrp_pid
        if child is not None and self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    # -- state ------------------------------------------------------------
    def transitions(self) -> list[tuple[float, str, int]]:
        """[(epoch seconds, STATE, priority)] for this node's instance, oldest first."""
        out = []
        try:
            text = self.notify_path.read_text()
        except OSError:
            return out
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "INSTANCE" and parts[2] == self.instance:
                try:
                    out.append((float(parts[0]), parts[3],
                                int(parts[4]) if len(parts) > 4 and parts[4].isdigit() else -1))
                except ValueError:
                    continue
        return out

    def state(self) -> str | None:
        """Last state keepalived reported (MASTER, BACKUP, FAULT, STOP), None before any."""
        t = self.transitions()
        return t[-1][1] if t else None

    def wait_state(self, state: str, timeout: float = 10) -> str:
        return wait_until(lambda: self.state() == state and state, timeout,
                          f"keepalived on {self.host} to report {state}")

    def holds_vips(self) -> bool:
        """Every VIP of this node is on its interface (by presence, not by notify)."""
        return all(self.host in self.lab.holders(v.split("/")[0], [self.host]) for v in self.vips)

    # -- logs ---------------------------------------------------------------
    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


try:
    import pytest
except ImportError:
    pytest = None

if pytest is not None:
    @pytest.fixture(name="keepalived")
    def keepalived_fixture():
        """`keepalived(lab, host, vips=[...], priority=.., **render_config kw)` → started node.

        Request it after `lab` so it is torn down first; logs are printed at teardown.
        """
        reason = ensure_keepalived()
        if reason:
            pytest.skip(reason)
        started: list[Keepalived] = []

        def start(lab: Lab, host: str, **kw) -> Keepalived:
            node = Keepalived(lab, host, **kw)
            started.append(node)  # registered before start: teardown always sees it
            return node.start()

        yield start
        for node in started:
            code = node.stop()
            print(f"--- keepalived {node.host} pid={node.proc.pid if node.proc else '-'} exit={code} "
                  f"transitions={[(s, p) for _, s, p in node.transitions()]} (log tail) ---\n"
                  f"{node.log_tail(15)}")
            node.cleanup()
