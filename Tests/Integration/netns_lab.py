"""A throwaway L2 network of Linux network namespaces for pgfloat's VRRP tests.

    Lab              a "switch" namespace with one bridge per segment, plus host
                     namespaces each wired to a segment by a veth pair
    HolderSampler    which hosts hold a VIP, sampled every 20 ms in a thread
    TcpProber        connect to VIP:port every 50 ms from a client namespace;
                     longest outage = failover outage
    Capture          dumpcap on an interface of a namespace, decoded by tshark
    ensure_packages  iproute2, tshark, socat, iputils-ping (apt-get if missing)

Safety rules this module keeps (tests must keep them too):
  * nothing is ever added to the root namespace: veth pairs are created inside
    the switch namespace with their peer put straight into the host namespace;
  * traffic goes only to addresses of the lab's own namespaces;
  * every namespace name starts with RUN_PREFIX (unique per process) plus a lab
    number; Lab.close(), the pytest fixture and an atexit hook delete them all,
    after stopping every process inside them by PID;
  * every loop is bounded in count and in time.

Hosts are named by short strings ("k1", "client"); the switch is "switch".
A segment is a bridge in the switch namespace with its own /24: "lan" (the
default, 10.77.X.0/24 with X random per lab) and any other name given to
add_host(..., subnet=) or add_link() (10.78.X.0/24, 10.79.X.0/24, ... or an
explicit CIDR). Host addresses are .10, .11, ...; Lab.vip(k) is .200+k.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import errno
import ipaddress
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import string
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import wait_until

RUN_PREFIX = f"pf{os.getpid() % 10000}{''.join(random.choices(string.ascii_lowercase, k=3))}-"
NETNS_DIR = Path("/run/netns")
IFNAMSIZ = 15
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,8}$")  # keeps "<host>-<ifname>" within 15 chars

_lab_counter = 0
_live_labs: list["Lab"] = []


# ---------------------------------------------------------------------------
# packages
# ---------------------------------------------------------------------------

# command -> Debian package that ships it
LAB_TOOLS = {"ip": "iproute2", "tshark": "tshark", "dumpcap": "wireshark-common",
             "socat": "socat", "ping": "iputils-ping"}


def apt_install(*packages: str, timeout: float = 600) -> str | None:
    """apt-get install (noninteractive); apt-get update once and retry on failure.

    Returns None on success, else a reason to skip with.
    """
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if "tshark" in packages or "wireshark-common" in packages:
        # Otherwise wireshark-common asks whether non-root users may capture.
        subprocess.run(["debconf-set-selections"], input="wireshark-common "
                       "wireshark-common/install-setuid boolean false\n",
                       text=True, capture_output=True, timeout=60)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    last = ""
    for attempt in range(2):
        if attempt:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env,
                           timeout=timeout)
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"apt-get install {' '.join(packages)}: {e}"
        if r.returncode == 0:
            return None
        last = r.stderr.strip()[-300:]
    return f"apt-get install {' '.join(packages)} failed: {last}"


def ensure_packages(tools: dict[str, str] | None = None) -> str | None:
    """Install the Debian packages for any missing command. None when all present."""
    tools = LAB_TOOLS if tools is None else tools
    missing = sorted({pkg for cmd, pkg in tools.items() if not shutil.which(cmd)})
    if missing:
        reason = apt_install(*missing)
        if reason:
            return reason
    still = [cmd for cmd in tools if not shutil.which(cmd)]
    return f"commands still missing after install: {still}" if still else None


def lab_unavailable() -> str | None:
    """Why a Lab cannot run here (None if it can): root and the tools are needed."""
    if os.geteuid() != 0:
        return "network namespace labs need root"
    return ensure_packages()


# ---------------------------------------------------------------------------
# entering a namespace from a thread (setns only affects the calling thread)
# ---------------------------------------------------------------------------

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def enter_netns(ns: str) -> None:
    """Move the *calling thread* into network namespace `ns` for good.

    Only for threads made for that purpose: sockets they create belong to `ns`
    for their whole life, whichever thread uses them later.
    """
    fd = os.open(NETNS_DIR / ns, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({ns}): {os.strerror(err)}")
    finally:
        os.close(fd)


def call_in_netns(ns: str, fn, timeout: float = 10):
    """Run fn() in a fresh thread that first enters `ns`; return its result."""
    box: dict = {}

    def target():
        try:
            enter_netns(ns)
            box["value"] = fn()
        except BaseException as e:  # handed to the caller
            box["error"] = e

    t = threading.Thread(target=target, name=f"netns-{ns}", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError(f"call in netns {ns} did not finish in {timeout}s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# ---------------------------------------------------------------------------
# rtnetlink: IPv4 addresses of a namespace without forking `ip` (fast sampling)
# ---------------------------------------------------------------------------

_RTM_NEWADDR, _RTM_GETADDR = 20, 22
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_NLM_F_REQUEST, _NLM_F_DUMP = 0x1, 0x300
_IFA_ADDRESS, _IFA_LOCAL = 1, 2


class _RtNetlink:
    """One NETLINK_ROUTE socket opened inside a namespace (so it reports that namespace)."""

    def __init__(self, ns: str):
        def open_sock():
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
            s.bind((0, 0))
            s.settimeout(2.0)
            return s
        self.sock: socket.socket = call_in_netns(ns, open_sock)
        self.lock = threading.Lock()
        self.seq = 0

    def ipv4_by_ifindex(self) -> dict[int, set[str]]:
        with self.lock:
            self.seq += 1
            seq = self.seq
            self.sock.send(struct.pack("=IHHII", 24, _RTM_GETADDR, _NLM_F_REQUEST | _NLM_F_DUMP, seq, 0)
                           + struct.pack("=BBBBi", socket.AF_INET, 0, 0, 0, 0))
            out: dict[int, set[str]] = {}
            for _ in range(10000):  # bounded; a dump of a few addresses takes 1-2 reads
                data = self.sock.recv(1 << 16)
                off = 0
                while off + 16 <= len(data):
                    length, typ, _flags, mseq, _pid = struct.unpack_from("=IHHII", data, off)
                    if length < 16:
                        raise RuntimeError("malformed netlink message")
                    if mseq == seq:
                        if typ == _NLMSG_DONE:
                            return out
                        if typ == _NLMSG_ERROR:
                            err = -struct.unpack_from("=i", data, off + 16)[0]
                            raise OSError(err, f"RTM_GETADDR: {os.strerror(err)}")
                        if typ == _RTM_NEWADDR:
                            family, _plen, _fl, _scope, index = struct.unpack_from("=BBBBi", data, off + 16)
                            attrs: dict[int, bytes] = {}
                            a = off + 24
                            while a + 4 <= off + length:
                                alen, atyp = struct.unpack_from("=HH", data, a)
                                if alen < 4:
                                    break
                                attrs[atyp] = data[a + 4:a + alen]
                                a += (alen + 3) & ~3
                            raw = attrs.get(_IFA_LOCAL) or attrs.get(_IFA_ADDRESS)
                            if family == socket.AF_INET and raw and len(raw) == 4:
                                out.setdefault(index, set()).add(socket.inet_ntoa(raw))
                    off += (length + 3) & ~3
            raise RuntimeError("netlink address dump did not end")

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------
# the lab
# ---------------------------------------------------------------------------

@dataclass
class Segment:
    name: str
    bridge: str
    network: ipaddress.IPv4Network
    next_host: int = 10


@dataclass
class Link:
    ifname: str
    segment: str
    address: str          # "10.77.5.10"
    prefixlen: int
    switch_ifname: str    # the veth end enslaved to the segment's bridge


@dataclass
class Host:
    name: str
    ns: str
    links: dict[str, Link] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """Address of the first link (eth0 for add_host's default)."""
        return next(iter(self.links.values())).address


def _ip(*args: str, timeout: float = 15) -> str:
    r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def list_namespaces() -> list[str]:
    out = subprocess.run(["ip", "-j", "netns", "list"], capture_output=True, text=True, timeout=15).stdout
    try:
        return [n["name"] for n in json.loads(out or "[]")]
    except json.JSONDecodeError:
        return [line.split()[0] for line in out.splitlines() if line.strip()]


def _netns_pids(ns: str) -> list[int]:
    r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=15)
    return [int(p) for p in r.stdout.split() if p.isdigit()]


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def sweep_namespaces(prefix: str = RUN_PREFIX, grace: float = 2.0) -> list[str]:
    """Delete every namespace named with `prefix`, stopping the processes inside.

    Those processes were all started by this run (the namespaces are ours), so
    they are stopped by PID: SIGTERM, then SIGKILL after `grace` seconds.
    """
    if not prefix or len(prefix) < 6:
        raise ValueError(f"refusing to sweep with a short prefix {prefix!r}")
    names = [n for n in list_namespaces() if n.startswith(prefix)]
    pids = {p for n in names for p in _netns_pids(n)}
    pids.discard(os.getpid())
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + grace
        for _ in range(int(grace / 0.05) + 1):
            if not any(_pid_alive(p) for p in pids) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    for n in names:
        subprocess.run(["ip", "netns", "del", n], capture_output=True, timeout=15)
    return names


def root_snapshot() -> set[tuple]:
    """Interfaces and addresses of the namespace this process runs in (the root one).

    Only the stable parts are kept (no lifetimes or counters), so a before/after
    comparison shows exactly what was added or removed.
    """
    links = json.loads(_ip("-j", "link", "show") or "[]")
    addrs = json.loads(_ip("-j", "addr", "show") or "[]")
    snap = {("link", l["ifname"]) for l in links}
    for a in addrs:
        for info in a.get("addr_info", []):
            snap.add(("addr", a["ifname"], info.get("family"), info.get("local"), info.get("prefixlen")))
    return snap


class Lab:
    """Namespaces wired to bridges in a switch namespace. Use as a context manager."""

    def __init__(self, name: str = "lab"):
        global _lab_counter
        _lab_counter += 1
        self.name = name
        self.prefix = f"{RUN_PREFIX}{_lab_counter}-"
        self.dir = Path(tempfile.mkdtemp(prefix=f"netns-lab-{self.prefix}"))
        self.octet = random.randint(1, 250)
        self.segments: dict[str, Segment] = {}
        self.hosts: dict[str, Host] = {}
        self.switch_ns = f"{self.prefix}sw"
        self._namespaces: list[str] = []
        self._procs: list[subprocess.Popen] = []
        self._threads: list = []   # samplers / probers / captures with a stop()
        self._netlink: dict[str, _RtNetlink] = {}
        self._ifindex: dict[tuple[str, str], int] = {}
        self._cache_lock = threading.Lock()  # the sampler thread fills the caches too
        self._closed = False
        _live_labs.append(self)
        try:
            self._add_ns(self.switch_ns)
            self._segment("lan")
        except BaseException:
            self.close()
            raise

    # -- context manager --------------------------------------------------
    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- building -----------------------------------------------------------
    def _add_ns(self, ns: str) -> None:
        self._namespaces.append(ns)  # registered first, so close() always deletes it
        _ip("netns", "add", ns)
        _ip("-n", ns, "link", "set", "lo", "up")

    def _segment(self, subnet: str) -> Segment:
        """The segment called `subnet` (a name or a CIDR), made on first use."""
        if subnet in self.segments:
            return self.segments[subnet]
        try:
            network = ipaddress.IPv4Network(subnet)
            name = f"s{len(self.segments)}"
        except ValueError:
            if not NAME_RE.match(subnet):
                raise ValueError(f"segment name {subnet!r} must match {NAME_RE.pattern}")
            name = subnet
            network = ipaddress.IPv4Network(f"10.{77 + len(self.segments)}.{self.octet}.0/24")
        if not network.is_private:
            raise ValueError(f"{network} is not a private test subnet")
        seg = Segment(name, f"br-{name}", network)
        _ip("-n", self.switch_ns, "link", "add", seg.bridge, "type", "bridge",
            "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0")
        _ip("-n", self.switch_ns, "link", "set", seg.bridge, "up")
        self.segments[subnet] = seg
        return seg

    def add_host(self, name: str, subnet: str = "lan", ifname: str = "eth0",
                 address: str | None = None) -> Host:
        """A namespace with lo up and `ifname` on segment `subnet` (default: the lan)."""
        if not NAME_RE.match(name) or name == "switch" or name in self.hosts:
            raise ValueError(f"bad or duplicate host name {name!r}")
        host = Host(name, f"{self.prefix}{name}")
        self.hosts[name] = host
        self._add_ns(host.ns)
        self.add_link(name, ifname, subnet, address)
        return host

    def add_link(self, host: str, name: str, subnet: str = "db", address: str | None = None) -> Link:
        """Another interface `name` of `host` on segment `subnet` (e.g. the database side)."""
        h = self.hosts[host]
        seg = self._segment(subnet)
        sw_if = f"{host}-{name}"
        if len(sw_if) > IFNAMSIZ or len(name) > IFNAMSIZ or name in h.links:
            raise ValueError(f"bad interface name {name!r} for {host}")
        if address is None:
            if seg.next_host >= 200:
                raise ValueError(f"segment {seg.name} is full")
            address = str(seg.network[seg.next_host])
            seg.next_host += 1
        # Created inside the switch namespace, peer moved straight to the host:
        # neither end ever exists in the root namespace.
        _ip("-n", self.switch_ns, "link", "add", sw_if, "type", "veth", "peer", "name", name,
            "netns", h.ns)
        _ip("-n", self.switch_ns, "link", "set", sw_if, "master", seg.bridge, "up")
        _ip("-n", h.ns, "addr", "add", f"{address}/{seg.network.prefixlen}", "dev", name)
        _ip("-n", h.ns, "link", "set", name, "up")
        link = Link(name, seg.name, address, seg.network.prefixlen, sw_if)
        h.links[name] = link
        return link

    def vip(self, k: int = 0, subnet: str = "lan") -> str:
        """A free address of the segment for virtual IPs: .200 + k."""
        return str(self._segment(subnet).network[200 + k])

    def ns(self, host: str) -> str:
        return self.switch_ns if host == "switch" else self.hosts[host].ns

    def address(self, host: str, ifname: str = "eth0") -> str:
        return self.hosts[host].links[ifname].address

    # -- running things ---------------------------------------------------
    def run(self, host: str, *cmd: str, **popen_kw) -> subprocess.Popen:
        """Popen(`ip netns exec NS cmd...`); its PID is cmd's own (ip execs it).

        Output goes to a log file in the lab dir (proc.log_path) unless stdout is
        given. The process is stopped by PID at close() if still running.
        """
        popen_kw.setdefault("stdin", subprocess.DEVNULL)
        log_path = None
        if "stdout" not in popen_kw:
            log_path = self.dir / f"{host}-{len(self._procs)}-{Path(cmd[0]).name}.log"
            popen_kw["stdout"] = open(log_path, "wb")
            popen_kw.setdefault("stderr", subprocess.STDOUT)
        try:
            proc = subprocess.Popen(["ip", "netns", "exec", self.ns(host), *cmd], **popen_kw)
        finally:
            if log_path is not None:
                popen_kw["stdout"].close()
        proc.log_path = log_path
        self._procs.append(proc)
        return proc

    def check_output(self, host: str, *cmd: str, timeout: float = 30, **kw) -> str:
        r = subprocess.run(["ip", "netns", "exec", self.ns(host), *cmd], capture_output=True,
                           text=True, timeout=timeout, **kw)
        if r.returncode != 0:
            raise RuntimeError(f"[{host}] {' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def ip(self, host: str, *args: str) -> str:
        """`ip -n NS args...`; raises on failure."""
        return _ip("-n", self.ns(host), *args)

    def kill(self, proc: subprocess.Popen | int, sig: int = signal.SIGKILL, wait: float = 5) -> None:
        """Signal a process we started, by PID; reap it if it is our child."""
        pid = proc if isinstance(proc, int) else proc.pid
        if isinstance(proc, subprocess.Popen) and proc.poll() is not None:
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if isinstance(proc, subprocess.Popen):
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass

    def socket(self, host: str, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM) -> socket.socket:
        """A socket living in `host`'s namespace (usable from any thread)."""
        return call_in_netns(self.ns(host), lambda: socket.socket(family, type))

    def ping(self, src: str, dst: str, count: int = 1, timeout: float = 1) -> bool:
        """ICMP echo from host `src` to address (or host name) `dst`."""
        addr = self.address(dst) if dst in self.hosts else dst
        r = subprocess.run(["ip", "netns", "exec", self.ns(src), "ping", "-n", "-q", "-c", str(count),
                            "-i", "0.2", "-W", str(timeout), addr],
                           capture_output=True, timeout=timeout * count + 10)
        return r.returncode == 0

    def tcp_listener(self, host: str, port: int, reply: str | None = None,
                     timeout: float = 10) -> subprocess.Popen:
        """socat TCP-LISTEN in `host` that answers each connection with `reply` (default: host name)."""
        reply = reply or host
        if not re.match(r"^[\w.-]+$", reply):
            raise ValueError(f"reply {reply!r} must be a plain word")
        proc = self.run(host, "socat", f"TCP-LISTEN:{port},fork,reuseaddr", f"SYSTEM:echo {reply}")

        def listening():
            if proc.poll() is not None:
                raise RuntimeError(f"socat in {host} exited {proc.returncode}")
            return self.tcp_connect(host, "127.0.0.1", port, timeout=0.5) is not None
        wait_until(listening, timeout, f"socat listening on {host}:{port}")
        return proc

    def tcp_connect(self, host: str, address: str, port: int, timeout: float = 1) -> str | None:
        """Connect from `host`; the text the server sent (maybe ""), or None on failure."""
        s = self.socket(host)
        try:
            s.settimeout(timeout)
            s.connect((address, port))
            return _read_reply(s, timeout)
        except OSError:
            return None
        finally:
            s.close()

    # -- looking ----------------------------------------------------------
    def addresses(self, host: str, ifname: str = "eth0", family: str | None = "inet") -> list[str]:
        """["10.77.5.10/24", ...] from `ip -j -n NS addr show dev IF` (family inet, inet6 or None)."""
        data = json.loads(self.ip(host, "-j", "addr", "show", "dev", ifname) or "[]")
        return [f"{i['local']}/{i['prefixlen']}" for d in data for i in d.get("addr_info", [])
                if family is None or i.get("family") == family]

    def mac(self, host: str, ifname: str = "eth0") -> str:
        return json.loads(self.ip(host, "-j", "link", "show", "dev", ifname))[0]["address"]

    def ifindex(self, host: str, ifname: str = "eth0") -> int:
        """The interface's index (cached; `delete_link` forgets it)."""
        key = (host, ifname)
        with self._cache_lock:
            if key not in self._ifindex:
                self._ifindex[key] = json.loads(self.ip(host, "-j", "link", "show", "dev", ifname))[0]["ifindex"]
            return self._ifindex[key]

    def _nl(self, host: str) -> _RtNetlink:
        with self._cache_lock:
            if host not in self._netlink:
                self._netlink[host] = _RtNetlink(self.ns(host))
            return self._netlink[host]

    def holders(self, vip: str, hosts: list[str] | None = None, ifname: str | None = "eth0") -> list[str]:
        """Hosts (sorted) whose `ifname` carries IPv4 address `vip` right now (via rtnetlink).

        ifname=None: on any interface, found without resolving a name, so sampling goes on while an
        interface is deleted and recreated under a new index.
        """
        found = []
        for h in (self.hosts if hosts is None else hosts):
            if ifname is None:
                if any(vip in addresses for addresses in self._nl(h).ipv4_by_ifindex().values()):
                    found.append(h)
                continue
            if ifname not in self.hosts[h].links:
                continue
            index = self.ifindex(h, ifname)
            if vip in self._nl(h).ipv4_by_ifindex().get(index, ()):
                found.append(h)
        return sorted(found)

    # -- breaking things --------------------------------------------------
    def link_down(self, host: str, ifname: str = "eth0") -> None:
        """Take the host-side interface down (the host sees it: keepalived goes FAULT)."""
        self.ip(host, "link", "set", ifname, "down")

    def link_up(self, host: str, ifname: str = "eth0") -> None:
        self.ip(host, "link", "set", ifname, "up")

    def cut(self, host: str, ifname: str = "eth0", keep_carrier: bool = False) -> None:
        """Partition `host`'s link `ifname` at the switch.

        Default: the switch-side veth goes down, so the host's interface loses
        carrier (like a pulled cable). keep_carrier=True instead detaches the veth
        from its bridge: the host still sees a working link, but nothing passes
        (a failure further away in the network; both sides may then claim the VIP).
        """
        link = self.hosts[host].links[ifname]
        if keep_carrier:
            self.ip("switch", "link", "set", link.switch_ifname, "nomaster")
        else:
            self.ip("switch", "link", "set", link.switch_ifname, "down")

    def heal(self, host: str, ifname: str = "eth0") -> None:
        """Undo cut(): back on its bridge and up."""
        link = self.hosts[host].links[ifname]
        bridge = next(s.bridge for s in self.segments.values() if s.name == link.segment)
        self.ip("switch", "link", "set", link.switch_ifname, "master", bridge, "up")

    def recreate_link(self, host: str, ifname: str = "eth0", gone: float = 0.0) -> None:
        """Delete `host`'s interface (the veth pair with it) and create it again after `gone` seconds.

        Same name, segment and address, but a new interface index and MAC: what a NIC driver reload or a
        re-created VLAN or bridge does to a daemon that opened its sockets on the old one.
        """
        self.delete_link(host, ifname)
        if gone > 0:
            time.sleep(gone)
        self.restore_link(host, ifname)

    def delete_link(self, host: str, ifname: str = "eth0") -> None:
        """Delete `host`'s interface and the veth pair with it; `restore_link` makes it again."""
        self.ip(host, "link", "del", ifname)
        with self._cache_lock:
            self._ifindex.pop((host, ifname), None)

    def restore_link(self, host: str, ifname: str = "eth0") -> None:
        """Create a deleted interface again: same name, segment and address; a new index and MAC."""
        link = self.hosts[host].links[ifname]
        bridge = next(s.bridge for s in self.segments.values() if s.name == link.segment)
        _ip("-n", self.switch_ns, "link", "add", link.switch_ifname, "type", "veth", "peer", "name", ifname,
            "netns", self.ns(host))
        _ip("-n", self.switch_ns, "link", "set", link.switch_ifname, "master", bridge, "up")
        self.ip(host, "addr", "add", f"{link.address}/{link.prefixlen}", "dev", ifname)
        self.ip(host, "link", "set", ifname, "up")

    # -- observers --------------------------------------------------------
    def sample_holders(self, vip: str, hosts: list[str] | None = None, ifname: str | None = "eth0",
                       interval: float = 0.02, max_duration: float = 300) -> "HolderSampler":
        """A started HolderSampler; stop it (or leave the `with`) to read the samples."""
        s = HolderSampler(self, vip, hosts, ifname, interval, max_duration)
        self._threads.append(s)
        return s.start()

    def prober(self, client: str, address: str, port: int, interval: float = 0.05,
               timeout: float = 0.25, expect: str | None = None,
               max_duration: float = 300) -> "TcpProber":
        """A started TcpProber connecting from `client` to address:port every `interval`."""
        p = TcpProber(self, client, address, port, interval, timeout, expect, max_duration)
        self._threads.append(p)
        return p.start()

    def capture(self, where: str, ifname: str, bpf: str = "", duration: float | None = None,
                until=None, timeout: float = 30) -> "Capture":
        """Capture on `ifname` of a host or "switch" (e.g. "switch", "br-lan").

        With duration: capture that long, return stopped. With until (a callable):
        capture until it returns truthy (at most `timeout` s), return stopped.
        With neither: return a running Capture; stop() it or use it as `with`.
        """
        cap = Capture(self, where, ifname, bpf)
        self._threads.append(cap)
        cap.start()
        if duration is not None:
            time.sleep(min(duration, timeout))
            cap.stop()
        elif until is not None:
            try:
                wait_until(until, timeout, "capture condition")
            finally:
                cap.stop()
        return cap

    # -- cleanup ----------------------------------------------------------
    def close(self) -> None:
        """Stop observers and processes (by PID), delete every namespace. Idempotent."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for t in self._threads:
            try:
                t.stop()
            except Exception as e:
                errors.append(f"stop {t!r}: {e}")
        for proc in self._procs:
            if proc.poll() is None:
                try:
                    proc.terminate()
                except OSError:
                    pass
        deadline = time.monotonic() + 3
        for proc in self._procs:
            try:
                proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    errors.append(f"pid {proc.pid} survived SIGKILL")
        for nl in self._netlink.values():
            nl.close()
        try:
            sweep_namespaces(self.prefix)  # also stops any leftovers inside (grandchildren)
        except Exception as e:
            errors.append(f"sweep: {e}")
        left = [n for n in list_namespaces() if n.startswith(self.prefix)]
        if left:
            errors.append(f"namespaces left: {left}")
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _live_labs:
            _live_labs.remove(self)
        if errors:
            print(f"netns_lab: cleanup of {self.prefix} had problems: {errors}")


def _read_reply(s: socket.socket, timeout: float, limit: int = 256) -> str:
    s.settimeout(timeout)
    chunks = []
    for _ in range(16):
        try:
            b = s.recv(limit)
        except socket.timeout:
            break
        if not b:
            break
        chunks.append(b)
        if sum(map(len, chunks)) >= limit:
            break
    return b"".join(chunks).decode(errors="replace").strip()


@atexit.register
def _cleanup_at_exit() -> None:
    for lab in list(_live_labs):
        try:
            lab.close()
        except Exception:
            pass
    try:
        sweep_namespaces(RUN_PREFIX)
    except Exception:
        pass


# ---------------------------------------------------------------------------
# VIP holder sampling
# ---------------------------------------------------------------------------

class HolderSampler:
    """holders(vip) every `interval` in a thread: samples = [(monotonic_time, (hosts...))]."""

    def __init__(self, lab: Lab, vip: str, hosts, ifname: str | None, interval: float, max_duration: float):
        self.lab, self.vip, self.hosts, self.ifname = lab, vip, hosts, ifname
        self.interval, self.max_duration = interval, max_duration
        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="holder-sampler", daemon=True)

    def start(self) -> "HolderSampler":
        self._thread.start()
        return self

    def stop(self) -> "HolderSampler":
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        return self

    def __enter__(self) -> "HolderSampler":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _loop(self) -> None:
        start = time.monotonic()
        next_t = start
        for _ in range(int(self.max_duration / self.interval) + 1):
            if self._stop.is_set() or time.monotonic() - start > self.max_duration:
                break
            try:
                now = time.monotonic()
                self.samples.append((now, tuple(self.lab.holders(self.vip, self.hosts, self.ifname))))
            except BaseException as e:
                self.error = e
                break
            next_t += self.interval
            delay = next_t - time.monotonic()
            if delay < 0:
                next_t = time.monotonic()
                delay = 0
            self._stop.wait(delay)

    def since(self, t: float | None = None) -> list[tuple[float, tuple[str, ...]]]:
        return [s for s in self.samples if t is None or s[0] >= t]

    def max_holders(self, since: float | None = None) -> int:
        return max((len(h) for _, h in self.since(since)), default=0)

    def violations(self, since: float | None = None, want: int = 1) -> list[tuple[float, tuple[str, ...]]]:
        """Samples that do not have exactly `want` holders."""
        return [s for s in self.since(since) if len(s[1]) != want]

    def longest_two_holders(self, since: float = 0.0) -> float:
        """The longest run of samples with two holders or more, in seconds (0 for a run of one sample); a run
        under way at `since` counts from there."""
        longest, run_start = 0.0, None
        for t, h in self.samples:
            if t < since:
                run_start = since if len(h) >= 2 else None
                continue
            if len(h) >= 2:
                run_start = t if run_start is None else run_start
                longest = max(longest, t - run_start)
            else:
                run_start = None
        return longest

    def first(self, holders: tuple[str, ...] | list[str], since: float | None = None) -> float | None:
        """Time of the first sample with exactly these holders."""
        want = tuple(sorted(holders))
        return next((t for t, h in self.since(since) if h == want), None)

    def max_gap(self) -> float:
        ts = [t for t, _ in self.samples]
        return max((b - a for a, b in zip(ts, ts[1:])), default=0.0)

    def timeline(self, since: float | None = None) -> list[tuple[float, float, tuple[str, ...]]]:
        """Run-length form: [(first_time, last_time, holders)] for each unchanged stretch."""
        out: list[list] = []
        for t, h in self.since(since):
            if out and out[-1][2] == h:
                out[-1][1] = t
            else:
                out.append([t, t, h])
        return [tuple(x) for x in out]

    def report(self, origin: float | None = None) -> str:
        if not self.samples:
            return f"VIP {self.vip}: no samples" + (f" (error: {self.error})" if self.error else "")
        t0 = self.samples[0][0] if origin is None else origin
        parts = [f"{a - t0:+.3f}..{b - t0:+.3f}s {','.join(h) or '-'}" for a, b, h in self.timeline()]
        return (f"VIP {self.vip}: {len(self.samples)} samples over "
                f"{self.samples[-1][0] - self.samples[0][0]:.2f}s, max gap {self.max_gap() * 1000:.0f} ms, "
                f"max holders {self.max_holders()}; " + "; ".join(parts)
                + (f" (error: {self.error})" if self.error else ""))


# ---------------------------------------------------------------------------
# TCP prober and outage computation
# ---------------------------------------------------------------------------

@dataclass
class Probe:
    start: float          # monotonic time the connect began
    end: float            # monotonic time it finished (success or failure)
    ok: bool
    reply: str = ""       # what the server sent (the test listeners send their host name)
    error: str = ""


@dataclass
class Outage:
    start: float          # start of the last successful probe before the failures
    end: float            # start of the first successful probe after them (or last probe's end)
    failures: int         # failed probes in between
    recovered: bool       # False: still failing when probing stopped
    before: str = ""      # reply of the last success before
    after: str = ""       # reply of the first success after

    @property
    def duration(self) -> float:
        return self.end - self.start


def compute_outages(probes: list[Probe], started: float | None = None) -> list[Outage]:
    """Every run of failed probes as an Outage.

    An outage runs from the start of the last successful probe before the failures
    to the start of the first successful probe after them; with probes every
    `interval` seconds the real outage lies within [duration - interval, duration].
    Failures before any success count from `started` (or the first probe); failures
    at the end count to the end of the last probe, with recovered=False.
    """
    out: list[Outage] = []
    last_ok: Probe | None = None
    fails = 0
    ordered = sorted(probes, key=lambda p: p.start)
    origin = started if started is not None else (ordered[0].start if ordered else 0.0)
    for p in ordered:
        if p.ok:
            if fails:
                out.append(Outage(last_ok.start if last_ok else origin, p.start, fails, True,
                                  last_ok.reply if last_ok else "", p.reply))
            last_ok, fails = p, 0
        else:
            fails += 1
    if fails:
        out.append(Outage(last_ok.start if last_ok else origin, ordered[-1].end, fails, False,
                          last_ok.reply if last_ok else ""))
    return out


class TcpProber:
    """From a client namespace, start a TCP connect to address:port every `interval` s.

    Probes overlap: one starts on every tick of a fixed schedule even while
    earlier ones still wait (each for at most `timeout`), so a dead address does
    not slow the schedule and an outage is measured to `interval` resolution.
    A probe succeeds when the handshake completes within `timeout` (and, if
    `expect` is given, what the server sends within `timeout` contains it); the
    reply (the test listeners send their host name) shows who answered. The
    thread enters the client namespace once, so every socket it makes is the
    client's; it uses non-blocking sockets and one selector.
    """

    def __init__(self, lab: Lab, client: str, address: str, port: int, interval: float,
                 timeout: float, expect: str | None, max_duration: float):
        self.lab, self.client, self.address, self.port = lab, client, address, port
        self.interval, self.timeout, self.expect, self.max_duration = interval, timeout, expect, max_duration
        self.probes: list[Probe] = []   # in order of completion; compute_outages sorts
        self.started: float | None = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tcp-prober", daemon=True)

    def start(self) -> "TcpProber":
        self._thread.start()
        return self

    def stop(self) -> "TcpProber":
        """Stop starting probes; the ones in flight finish (within `timeout`)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.timeout + 10)
        return self

    def __enter__(self) -> "TcpProber":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _loop(self) -> None:
        try:
            enter_netns(self.lab.ns(self.client))
        except BaseException as e:
            self.error = e
            return
        sel = selectors.DefaultSelector()
        pending: dict[socket.socket, dict] = {}

        def finish(s: socket.socket, ok: bool, error: str = "") -> None:
            st = pending.pop(s)
            sel.unregister(s)
            s.close()
            reply = b"".join(st["chunks"]).decode(errors="replace").strip()
            if ok and self.expect is not None and self.expect not in reply:
                ok, error = False, "unexpected reply"
            self.probes.append(Probe(st["t0"], time.monotonic(), ok, reply, error))

        try:
            self.started = next_t = time.monotonic()
            # Bounded: every pass starts a probe, handles an event or waits for one.
            max_passes = int(self.max_duration / self.interval) * 20 + 1000
            for _ in range(max_passes):
                now = time.monotonic()
                stopping = self._stop.is_set() or now - self.started > self.max_duration
                if stopping and not pending:
                    break
                if not stopping and now >= next_t:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setblocking(False)
                    err = s.connect_ex((self.address, self.port))
                    pending[s] = {"t0": now, "deadline": now + self.timeout, "phase": "connect",
                                  "chunks": []}
                    sel.register(s, selectors.EVENT_WRITE)
                    if err not in (0, errno.EINPROGRESS):
                        finish(s, False, errno.errorcode.get(err, str(err)))
                    next_t += self.interval
                    if next_t <= now:  # fell behind: skip the missed ticks
                        next_t = now + self.interval
                    continue
                wake = min([st["deadline"] for st in pending.values()]
                           + ([] if stopping else [next_t]))
                for key, _mask in sel.select(max(0.0, min(wake - now, self.interval))):
                    s = key.fileobj
                    st = pending[s]
                    if st["phase"] == "connect":
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            finish(s, False, errno.errorcode.get(err, str(err)))
                        else:
                            st["phase"] = "read"
                            sel.modify(s, selectors.EVENT_READ)
                    else:
                        try:
                            data = s.recv(256)
                        except OSError:
                            data = b""
                        st["chunks"].append(data)
                        if not data or sum(map(len, st["chunks"])) >= 256:
                            finish(s, True)
                now = time.monotonic()
                for s, st in list(pending.items()):
                    if now >= st["deadline"]:
                        # Connected but the server said nothing more: still a success.
                        finish(s, st["phase"] == "read", "" if st["phase"] == "read" else "timeout")
        except BaseException as e:
            self.error = e
        finally:
            for s in list(pending):
                s.close()
            sel.close()

    # -- results ----------------------------------------------------------
    def successes(self, since: float | None = None, reply: str | None = None) -> int:
        return sum(1 for p in list(self.probes) if p.ok and (since is None or p.start >= since)
                   and (reply is None or p.reply == reply))

    def outages(self) -> list[Outage]:
        return compute_outages(list(self.probes), self.started)

    def longest_outage(self) -> Outage | None:
        return max(self.outages(), key=lambda o: o.duration, default=None)

    def report(self) -> str:
        probes = list(self.probes)
        ok = sum(p.ok for p in probes)
        o = self.longest_outage()
        errors = sorted({p.error for p in probes if p.error})
        longest = (f"longest outage {o.duration * 1000:.0f} ms ({o.failures} failed, "
                   f"{o.before or '-'} -> {o.after or '-'}{'' if o.recovered else ', NOT recovered'})"
                   if o else "no outage")
        return (f"{self.client} -> {self.address}:{self.port}: {len(probes)} probes, {ok} ok, "
                f"{len(probes) - ok} failed; {longest}; errors {errors}"
                + (f"; prober error {self.error}" if self.error else ""))


# ---------------------------------------------------------------------------
# packet capture
# ---------------------------------------------------------------------------

class Capture:
    """dumpcap -i IF -f BPF -w FILE inside a namespace; decode afterwards with tshark."""

    def __init__(self, lab: Lab, where: str, ifname: str, bpf: str = ""):
        self.lab, self.where, self.ifname, self.bpf = lab, where, ifname, bpf
        n = sum(isinstance(t, Capture) for t in lab._threads)
        self.path = lab.dir / f"cap-{where}-{ifname}-{n}.pcapng"
        self.err_path = lab.dir / f"cap-{where}-{ifname}-{n}.err"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> "Capture":
        cmd = ["dumpcap", "-q", "-i", self.ifname, "-w", str(self.path)]
        if self.bpf:
            cmd += ["-f", self.bpf]
        with open(self.err_path, "wb") as err:
            self.proc = self.lab.run(self.where, *cmd, stdout=subprocess.DEVNULL, stderr=err)

        def capturing():
            if self.proc.poll() is not None:
                raise RuntimeError(f"dumpcap exited {self.proc.returncode}: {self.err_path.read_text()}")
            return "Capturing on" in self.err_path.read_text(errors="replace")
        wait_until(capturing, timeout, f"dumpcap on {self.where}/{self.ifname}", interval=0.05)
        time.sleep(0.1)  # the message comes right before the capture loop starts
        return self

    def stop(self, timeout: float = 5) -> "Capture":
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # dumpcap finishes the file on SIGINT
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self

    def __enter__(self) -> "Capture":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _tshark(self, *args: str, prefs: dict[str, str] | None = None, timeout: float = 60) -> str:
        opts = [x for k, v in (prefs or {}).items() for x in ("-o", f"{k}:{v}")]
        r = subprocess.run(["tshark", "-n", "-r", str(self.path), *opts, *args],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"tshark {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def fields(self, *names: str, display_filter: str = "",
               prefs: dict[str, str] | None = None) -> list[dict[str, str]]:
        """One dict per packet matching display_filter: {field: value} via `tshark -T fields`.

        Repeated fields are comma-joined; absent ones are "".
        """
        args = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for n in names:
            args += ["-e", n]
        if display_filter:
            args += ["-Y", display_filter]
        rows = []
        for line in self._tshark(*args, prefs=prefs).splitlines():
            values = line.split("\t")
            rows.append(dict(zip(names, values + [""] * (len(names) - len(values)))))
        return rows

    def text(self, display_filter: str = "", prefs: dict[str, str] | None = None) -> str:
        """Full decode (`tshark -V`) of the matching packets."""
        return self._tshark("-V", *(["-Y", display_filter] if display_filter else []), prefs=prefs)

    def count(self, display_filter: str = "") -> int:
        return len(self.fields("frame.number", display_filter=display_filter))


# ---------------------------------------------------------------------------
# pytest fixture: `from netns_lab import lab_fixture` in a test module gives `lab`
# ---------------------------------------------------------------------------

try:
    import pytest
except ImportError:  # usable without pytest too
    pytest = None

if pytest is not None:
    @pytest.fixture(name="lab")
    def lab_fixture():
        """A fresh Lab per test, closed (processes stopped, namespaces deleted) even on failure."""
        reason = lab_unavailable()
        if reason:
            pytest.skip(reason)
        lab = Lab()
        try:
            yield lab
        finally:
            lab.close()
