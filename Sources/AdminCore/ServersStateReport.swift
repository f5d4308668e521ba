/// `show servers state [<listener>]`: HAProxy's server-state format (version 1), the one its
/// `server-state-file` uses, so tools that parse HAProxy's read pgfloat's.
///
/// One space-separated line per server. Fields pgfloat has no notion of are `0` or `-` as HAProxy writes them
/// for a server without that feature; see each encoding below for where pgfloat's model maps onto HAProxy's.
public enum ServersStateReport {
    static let header = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight"
        + " srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health"
        + " srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord"

    /// Every listener, or only `listener`; HAProxy's "Can't find backend." when it does not exist.
    public static func render(_ snapshot: StatsSnapshot, listener: String? = nil) -> String {
        let pools = snapshot.pools.filter { listener == nil || $0.listener.name == listener }
        if listener != nil, pools.isEmpty { return "Can't find backend.\n" }
        var lines = ["1", header]
        for (id, pool, servers) in pools {
            for (offset, server) in servers.enumerated() {
                lines.append(line(server, listenerID: id, listenerName: pool.name, serverID: offset + 1))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ server: ServerStats, listenerID: Int, listenerName: String, serverID: Int) -> String {
        let (host, port) = hostAndPort(server.address)
        let check = checkStatuses[server.checkStatus]
        let fields = [
            "\(listenerID)", listenerName, "\(serverID)", server.name, host,
            "\(operationalState(server))", "\(adminState(server.adminState))",
            // HAProxy's user weight and initial weight; pgfloat keeps one configured weight (the `set` one
            // when an operator set it), so both show it.
            "\(server.configuredWeight)", "\(server.configuredWeight)",
            "\(server.lastChangeSeconds ?? 0)",
            // HAProxy's "unknown" (0, 0) for a status name it does not have.
            "\(check?.code ?? 0)", "\(check?.result ?? 0)",
            // srv_check_health is HAProxy's rise/fall counter, which the snapshot does not carry.
            "0", "\(checkState(server.adminState))",
            // No agent check, IDs never forced, no FQDN resolution, no SRV record.
            "0", "0", "0", "-", port, "-",
        ]
        return fields.map(Escaping.word).joined(separator: " ")
    }

    /// HAProxy's `srv_op_state` (server-t.h `SRV_ST_*`): 2 running, 0 stopped. A server in maintenance is
    /// stopped there whatever its checks say; a draining one still runs; one never checked is not known to run.
    private static func operationalState(_ server: ServerStats) -> Int {
        guard server.adminState != .maint else { return 0 }
        return server.status == "UP" || server.status == "DRAIN" ? 2 : 0
    }

    /// HAProxy's `srv_admin_state` bits (server-t.h `SRV_ADMF_*`): 0x01 forced maintenance, 0x08 forced drain.
    private static func adminState(_ state: AdminState) -> Int {
        switch state {
        case .ready: return 0
        case .maint: return 0x01
        case .drain: return 0x08
        }
    }

    /// HAProxy's `srv_check_state` bits (check-t.h `CHK_ST_*`): 0x02 configured | 0x04 enabled, plus 0x08
    /// paused while in maintenance, which is what pgfloat's maint does to checks.
    private static func checkState(_ state: AdminState) -> Int {
        state == .maint ? 0x0E : 0x06
    }

    /// HAProxy's `enum healthcheck_status` value (check-t.h) and `CHK_RES_*` result (check.c's status table: 2
    /// failed, 3 passed, 4 conditionally passed) for each check status name; INI is "not checked yet" (result 0).
    private static let checkStatuses: [String: (code: Int, result: Int)] = [
        "INI": (1, 0), "SOCKERR": (5, 2), "L4OK": (6, 3), "L4TOUT": (7, 2), "L4CON": (8, 2), "L6OK": (9, 3),
        "L6TOUT": (10, 2), "L6RSP": (11, 2), "L7TOUT": (12, 2), "L7RSP": (13, 2), "L7OK": (15, 3),
        "L7OKC": (16, 4), "L7STS": (17, 2), "PROCERR": (18, 2), "PROCTOUT": (19, 2), "PROCOK": (20, 3),
    ]

    /// `host:port`, `[v6]:port` or a bare host; HAProxy shows the address and the port in separate fields.
    static func hostAndPort(_ address: String) -> (host: String, port: String) {
        guard let colon = address.lastIndex(of: ":") else { return (address, "0") }
        var host = address[..<colon]
        let port = address[address.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            // A bare IPv6 address: its colons are not a port separator.
            return (address, "0")
        }
        return (String(host), String(port))
    }
}
