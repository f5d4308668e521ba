#!/usr/bin/env python3
"""Writes the seed corpora in Fuzz/corpus/ (committed; rerun after changing an input format).

Each seed is a small, meaningful input in its fuzzer's format (see the comment at the top of each main.swift):
real adverts, real first packets, runbook lines, real configuration files.
"""
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
CORPUS = FUZZ / "corpus"


def write(fuzzer, name, data):
    directory = CORPUS / fuzzer
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# --- vrrp-decode ---------------------------------------------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(text):
    return bytes(int(part) for part in text.split("."))


def ipv6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def advert(version, vrid, priority, addresses, interval, source=b"", destination=b"", pseudo=True, auth=b""):
    """An advert as keepalived sends it (RFC 3768 5.1 / RFC 5798 5.1), checksum filled in."""
    if version == 2:
        head = bytes([0x21, vrid, priority, len(addresses), 1 if auth else 0, interval, 0, 0])
        message = head + b"".join(addresses) + auth.ljust(8, b"\0")
        covered = message
    else:
        head = bytes([0x31, vrid, priority, len(addresses), interval >> 8, interval & 0xFF, 0, 0])
        message = head + b"".join(addresses)
        covered = message
        if pseudo and len(source) == 4:
            covered = source + destination + bytes([0, 112]) + struct.pack("!H", len(message)) + message
        elif pseudo:
            covered = source + destination + struct.pack("!I", len(message)) + bytes([0, 0, 0, 112]) + message
    value = checksum(covered)
    return message[:6] + struct.pack("!H", value) + message[8:]


def packet(payload, flags=0):
    """A packet event: op 0, flags, length, payload."""
    return bytes([0, flags, len(payload)]) + payload


ADVANCE, FIRE, STALE, EVENT = 4, 5, 6, 7
GROUP4, GROUP6 = ipv4("224.0.0.18"), ipv6("ff02::12")
LOWER4, HIGHER4, HIGHER6 = ipv4("10.0.0.0"), ipv4("10.0.0.2"), ipv6("fe80::2")
VIP = ipv4("10.0.0.100")
FROM_LOWER, FROM_HIGHER, UNICAST = 0x00, 0x04, 0x10

# Instance 0: VRRPv2, VRID 51, priority 100, 1 s, 10.0.0.100. A higher-priority master advertises; then silence.
write("vrrp-decode", "v2-master-then-silence", bytes([0, 0])
      + packet(advert(2, 51, 150, [VIP], 1), FROM_HIGHER)
      + bytes([ADVANCE, 100, 9, FIRE, FIRE]))
# Instance 1: VRRPv2 with "pgfloat" (keepalived auth_type PASS), two addresses, 3 s; a lower master is preempted.
write("vrrp-decode", "v2-auth-lower-master", bytes([1, 0])
      + packet(advert(2, 51, 100, [VIP, ipv4("10.0.0.101")], 3, auth=b"pgfloat"), FROM_LOWER)
      + bytes([FIRE, ADVANCE, 255, 255]))
# Instance 2: VRRPv3 over IPv4, pseudo-header checksum (keepalived, FRR); the master resigns with priority 0.
write("vrrp-decode", "v3-resign", bytes([2, 0])
      + packet(advert(3, 51, 200, [VIP], 100, HIGHER4, GROUP4), FROM_HIGHER)
      + packet(advert(3, 51, 0, [VIP], 100, HIGHER4, GROUP4), FROM_HIGHER)
      + bytes([FIRE, STALE, 0]))
# Instance 2 by unicast, checksum over the multicast group as keepalived before 2.0 computed it.
write("vrrp-decode", "v3-unicast-old-keepalived", bytes([2, 0])
      + packet(advert(3, 51, 200, [VIP], 100, HIGHER4, GROUP4), FROM_HIGHER | UNICAST))
# Instance 3: VRRPv3 over IPv6, VRID 7, 100 ms, two addresses.
write("vrrp-decode", "v3-ipv6", bytes([3, 0])
      + packet(advert(3, 7, 250, [ipv6("2001:db8::100"), ipv6("fe80::100")], 10, HIGHER6, GROUP6), FROM_HIGHER)
      + bytes([FIRE, FIRE]))
# Instance 4: VRRPv3 over IPv4 without the pseudo-header (RFC 9568), VRID 200, 20 ms, no preempt.
write("vrrp-decode", "v3-message-only", bytes([4, 0])
      + packet(advert(3, 200, 50, [VIP], 2, pseudo=False), FROM_LOWER)
      + bytes([ADVANCE, 1, 1]))
# Instance 0 as the address owner (priority 255): master at once, then fault, handover, resume, tracking weight.
write("vrrp-decode", "owner-operator-events", bytes([0, 255, FIRE, EVENT, 0, EVENT, 1, EVENT, 2, FIRE, EVENT, 3,
                                                     EVENT, 6, 0xF0, FIRE, EVENT, 4, EVENT, 5]))

# --- pg-first-packet -----------------------------------------------------------------------------------------------

def startup(parameters, minor=0):
    body = struct.pack("!I", 3 << 16 | minor)
    for name, value in parameters:
        body += name.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


SSL = struct.pack("!II", 8, 80877103)
GSSENC = struct.pack("!II", 8, 80877104)
PSQL = startup([("user", "postgres"), ("database", "app"), ("application_name", "psql"),
                ("client_encoding", "UTF8")])

write("pg-first-packet", "startup", b"\x00" + PSQL)
write("pg-first-packet", "startup-bytewise", b"\x01" + PSQL)
write("pg-first-packet", "ssl-then-startup", b"\x05" + SSL + PSQL)
write("pg-first-packet", "gssenc-ssl-startup", b"\x9c" + GSSENC + SSL + PSQL)
write("pg-first-packet", "startup-3.2-options", b"\x07" + startup(
    [("user", "app"), ("_pq_.protocol_managed_params", "search_path"), ("options", "-c statement_timeout=0")], 2))
write("pg-first-packet", "cancel-classic", b"\x03" + struct.pack("!IIII", 16, 80877102, 4242, 0xDEADBEEF))
write("pg-first-packet", "cancel-pg18-key", b"\x0b" + struct.pack("!III", 44, 80877102, 4242) + bytes(range(32)))
write("pg-first-packet", "too-large", b"\x00" + struct.pack("!II", 1 << 30, 3 << 16))
write("pg-first-packet", "protocol-2", b"\x00" + struct.pack("!II", 9, 2 << 16) + b"\0")
# PostgreSQL 17 sslnegotiation=direct: the start of a real ClientHello (Python ssl, ALPN "postgresql").
CLIENT_HELLO = bytes.fromhex("160301020001 0001fc0303 56132c491d".replace(" ", ""))
write("pg-first-packet", "direct-tls", b"\x00" + CLIENT_HELLO)
write("pg-first-packet", "direct-tls-bytewise", b"\x01" + CLIENT_HELLO)
write("pg-first-packet", "unknown-request", b"\x00" + struct.pack("!II", 8, 1234 << 16 | 5681))
error = b"SFATAL\0VFATAL\0C57P03\0Mpgfloat: no server available\0\0"
write("pg-first-packet", "error-response", b"\x00E" + struct.pack("!I", len(error) + 4) + error)

# --- pg-backend-key ------------------------------------------------------------------------------------------------

def message(kind, body):
    return kind + struct.pack("!I", len(body) + 4) + body


AUTH_OK = message(b"R", struct.pack("!I", 0))
SASL = message(b"R", struct.pack("!I", 10) + b"SCRAM-SHA-256\0\0")
PARAMETERS = b"".join(message(b"S", name + b"\0" + value + b"\0") for name, value in [
    (b"server_version", b"15.4"), (b"client_encoding", b"UTF8"), (b"DateStyle", b"ISO, MDY")])
KEY = message(b"K", struct.pack("!II", 4242, 0xDEADBEEF))
READY = message(b"Z", b"I")

# The chunking byte, then the start byte (odd: the client asked for encryption first), then the server's bytes.
write("pg-backend-key", "trust-login", b"\x00\x00" + AUTH_OK + PARAMETERS + KEY + READY)
write("pg-backend-key", "trust-login-bytewise", b"\x01\x00" + AUTH_OK + PARAMETERS + KEY + READY)
write("pg-backend-key", "scram-offer", b"\x07\x00" + SASL)
write("pg-backend-key", "tls-refused", b"\x05\x01N" + AUTH_OK + PARAMETERS + KEY + READY)
write("pg-backend-key", "gss-refused-tls-accepted", b"\x03\x01NS\x16\x03\x03")
write("pg-backend-key", "pg18-key", b"\x0b\x00" + AUTH_OK + message(b"K", struct.pack("!I", 7) + bytes(range(32))))
write("pg-backend-key", "ready-without-key", b"\x00\x00" + AUTH_OK + READY)
error = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed\0\0"
write("pg-backend-key", "auth-failed", b"\x00\x00" + message(b"E", error))

# --- admin-command -------------------------------------------------------------------------------------------------

# From the README runbook, and every command of the grammar in AdminCommand+Parse.swift.
write("admin-command", "show-stat", "show stat\n")
write("admin-command", "drain", "set server postgres_replicas/pg3 state drain\n")
write("admin-command", "several", "show servers roles; show info\n")
write("admin-command", "interactive", "prompt\nshow info\nset vrrp VI_PG state backup\nset vrrp VI_PG state auto\n"
      "show vrrp\nshow dcs\nquit\n")
write("admin-command", "weights", "prompt\nset weight postgres_primary/pg1 50\nset server */pg2 weight 256\r\n"
      "set server postgres_primary/pg1 weight 10%\n")
write("admin-command", "maintenance", "prompt\ndisable server */pg2;enable server */pg2;"
      "shutdown sessions server postgres_primary/pg1\nshow servers state postgres_primary\nshow sess\n")
write("admin-command", "errors", "prompt\nhelp\nshow servers\nset server pg1 state up\nset vrrp\n\x1b[2J\n;;\n")

# --- config-load ---------------------------------------------------------------------------------------------------

(CORPUS / "config-load").mkdir(parents=True, exist_ok=True)
shutil.copy(FUZZ.parent / "etc" / "pgfloat.toml", CORPUS / "config-load" / "example.toml")
write("config-load", "minimal.toml", """\
[[server]]
name = "pg1"
address = "10.0.0.11:5432"

[[listener]]
name = "main"
bind = "*:5432"
""")
write("config-load", "patroni-replicas.toml", """\
[check]
type = "patroni"
port = 8008
scheme = "https"
ca_file = "/etc/pgfloat/ca.pem"

[[server]]
name = "pg1"
address = "[2001:db8::11]:5432"
[[server]]
name = "pg2"
address = "db2.example.com:5432"
backup = true

[[listener]]
name = "ro"
bind = ["0.0.0.0:5433", "[::]:5433"]
role = "replica-or-primary"
balance = "leastconn"
max_lag = 16777216
""")
write("config-load", "vrrp-v2-unicast.toml", """\
[global]
script_user = "pgfloat_script"

[[server]]
name = "pg1"
address = "10.0.0.11:5432"

[[listener]]
name = "main"
bind = "0.0.0.0:5432"

[[vrrp]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
version = 2
authentication = "secret"
advert_interval = "2s"
virtual_addresses = ["10.0.0.100/24", "10.0.0.101"]
unicast_source = "10.0.0.1"
unicast_peers = ["10.0.0.2"]
track_proxy = -50
notify = "/etc/pgfloat/notify.sh"

[[vrrp.track_script]]
name = "maint"
script = "/usr/bin/test ! -e /etc/maint"
weight = 0
""")
write("config-load", "errors.toml", """\
[globl]
log_sessions = "yes"
[defaults]
timeout_queue = "1.5s"
retries = 1000
[[listener]]
name = "bad name"
bind = "10.0.0.1"
servers = ["nope"]
""")

# Inputs that made toml++ fail an assertion before TOMLCrashGuard screened them (Fuzz/ConfigLoad's findings).
write("config-load", "crash-date-time-T.toml", "a = 2000-01-01T:\n")
write("config-load", "crash-date-time-array.toml", "a = [1979-05-27T:00]\n")
write("config-load", "crash-date-time-t.toml", "[global]\nlog_sessions = 2000-01-01t:\n")
write("config-load", "crash-date-blank-digit.toml", "a = 2000-00-0a 2\n:T`")

# --- dictionaries (libFuzzer -dict) --------------------------------------------------------------------------------

keys = sorted(set("""address admin_group admin_socket advert_interval auth_file authentication backup balance bind
ca_file check check_port check_type command database defaults down_interval fall fast_interval garp_master_delay
garp_master_refresh garp_master_repeat global group interface interval listener log_sessions max_lag maxconn name
notify notify_backup notify_fault notify_master notify_stop notify_timeout on_marked_down on_marked_up password_file
port preempt preempt_delay priority retries rise role scheme script script_user server servers shutdown_grace
slowstart sslmode stats_admin stats_auth_file stats_bind stats_refresh timeout timeout_client timeout_connect
timeout_queue timeout_server track_backends track_interface track_proxy track_script type unicast_peers
unicast_source unicast_ttl_check user version virtual_address_label virtual_addresses virtual_router_id vrrp
weight""".split()))
tokens = ["[[server]]", "[[listener]]", "[[vrrp]]", "[[vrrp.track_script]]", "[global]", "[defaults]", "[check]",
          " = ", "\\x0A", "\\\"", "'''", '\\"\\"\\"', "#", "{", "}", "[", "]", ",", ".", "true", "false", "\\\"5s\\\"",
          "\\\"250ms\\\"", "\\\"0s\\\"", "\\\"16MB\\\"", "\\\"10.0.0.11:5432\\\"", "\\\"[::1]:5432\\\"",
          "\\\"10.0.0.100/24\\\"", "\\\"fe80::1\\\"", "primary", "replica", "any", "replica-or-primary", "first",
          "roundrobin", "leastconn", "source", "pgsql", "patroni", "pg-hello", "agent", "external", "tcp", "fault",
          "off", "shutdown-sessions", "1979-05-27T07:32:00Z", "0x7f", "1e3", "inf", "nan", "-0"]
(FUZZ / "dict").mkdir(exist_ok=True)
with open(FUZZ / "dict" / "config-load.dict", "w") as out:
    out.write("# libFuzzer dictionary for config-load, written by Fuzz/make-seeds.py.\n")
    for token in [*keys, *tokens]:
        out.write(f'"{token}"\n')
words = ["help", "prompt", "quit", "show", "info", "stat", "sess", "sessions", "vrrp", "servers", "state", "roles",
         "set", "server", "weight", "enable", "disable", "shutdown", "ready", "drain", "maint", "backup", "auto",
         "*/", "/", ";", "\\x0A", "\\x0D\\x0A", "\\x09", " ", "256", "postgres_primary/pg1", "VI_PG"]
with open(FUZZ / "dict" / "admin-command.dict", "w") as out:
    out.write("# libFuzzer dictionary for admin-command, written by Fuzz/make-seeds.py.\n")
    for word in words:
        out.write(f'"{word}"\n')
