/// `show stat`: HAProxy's CSV, so tools that scrape HAProxy (collectd, Telegraf's haproxy input, hatop-style
/// scripts) read pgfloat unchanged.
///
/// As in HAProxy: a header line `# col,col,...,` then one row per listener's FRONTEND, each of its servers, then
/// its BACKEND; every line ends with `,`; a value we do not have is empty. pgfloat's own columns come after
/// HAProxy's, where readers that pick columns by name find them and readers that index them do not shift.
public enum StatReport {
    /// The header line then, per listener in configuration order, its FRONTEND, servers and BACKEND rows.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        var lines = ["# " + StatColumn.allCases.map(\.rawValue).joined(separator: ",") + ","]
        let pid = "\(snapshot.process.pid)"
        for (id, listener, servers) in snapshot.pools {
            // A server row's own role replaces the listener's.
            let common: [StatColumn: String] = [.pxname: listener.name, .pid: pid, .iid: "\(id)", .role: listener.role]
            // The cluster's, repeated on each BACKEND row so a reader of one listener sees it.
            var cluster: [StatColumn: String] = [.primary_claimants: "\(snapshot.process.primaryClaimants.count)"]
            cluster[.newest_timeline] = snapshot.process.newestTimeline.map { "\($0)" }
            cluster[.patroni_paused] = snapshot.process.patroniPaused.map { $0 ? "1" : "0" }
            lines.append(line(common.merging(frontendRow(listener)) { $1 }))
            for (offset, server) in servers.enumerated() {
                lines.append(line(common.merging(serverRow(server, sid: offset + 1)) { $1 }))
            }
            lines.append(line(common.merging(backendRow(listener, servers: servers)) { $1 }.merging(cluster) { $1 }))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ row: [StatColumn: String]) -> String {
        StatColumn.allCases.map { Escaping.csv(row[$0] ?? "") + "," }.joined()
    }

    /// Figures a FRONTEND and a BACKEND both take from the listener, which plays both parts.
    private static func sessionColumns(_ listener: ListenerStats) -> [StatColumn: String] {
        [
            .scur: "\(listener.sessionsCurrent)", .smax: "\(listener.sessionsMax)",
            .stot: "\(listener.sessionsTotal)", .bin: "\(listener.bytesIn)", .bout: "\(listener.bytesOut)",
        ]
    }

    private static func frontendRow(_ listener: ListenerStats) -> [StatColumn: String] {
        var row = sessionColumns(listener)
        row[.svname] = "FRONTEND"
        row[.slim] = listener.sessionsLimit > 0 ? "\(listener.sessionsLimit)" : nil
        row[.status] = "OPEN"
        row[.sid] = "0"
        row[.type] = "0"
        return row
    }

    private static func serverRow(_ server: ServerStats, sid: Int) -> [StatColumn: String] {
        var row: [StatColumn: String] = [
            .svname: server.name, .scur: "\(server.sessionsCurrent)", .smax: "\(server.sessionsMax)",
            .stot: "\(server.sessionsTotal)", .bin: "\(server.bytesIn)", .bout: "\(server.bytesOut)",
            .econ: "\(server.connectFailures)", .status: server.status, .weight: "\(server.weight)",
            .act: server.backup ? "0" : "1", .bck: server.backup ? "1" : "0",
            .chkfail: "\(server.checkFailures)", .chkdown: "\(server.checkDowns)",
            .downtime: "\(server.downtimeSeconds)", .sid: "\(sid)", .type: "2", .check_status: server.checkStatus,
            .role: server.role, .admin_state: server.adminState.rawValue,
        ]
        row[.slim] = server.sessionsLimit > 0 ? "\(server.sessionsLimit)" : nil
        row[.lastchg] = server.lastChangeSeconds.map { "\($0)" }
        row[.check_duration] = server.checkDurationMilliseconds.map { "\($0)" }
        row[.timeline] = server.timeline.map { "\($0)" }
        row[.lag_bytes] = server.lagBytes.map { "\($0)" }
        if let patroni = server.patroni {
            // `key=value;...` sorted, so `nofailover=true` and `nosync=true` read at a glance.
            row[.patroni_tags] = patroni.tags.keys.sorted().map { "\($0)=\(patroni.tags[$0] ?? "")" }
                .joined(separator: ";")
            row[.sync_standby] = patroni.synchronous ? "1" : "0"
            row[.patroni_paused] = patroni.paused.map { $0 ? "1" : "0" }
        }
        return row
    }

    /// HAProxy's BACKEND row: the queue lives here, `act`/`bck` count the servers that can take sessions now,
    /// `weight` sums their weights, and `econ` sums the servers' connection failures.
    private static func backendRow(_ listener: ListenerStats, servers: [ServerStats]) -> [StatColumn: String] {
        let usable = servers.filter(\.eligible)
        var row = sessionColumns(listener)
        row[.svname] = "BACKEND"
        row[.qcur] = "\(listener.queueCurrent)"
        row[.qmax] = "\(listener.queueMax)"
        row[.econ] = "\(servers.reduce(0) { $0 + $1.connectFailures })"
        row[.status] = usable.isEmpty ? "DOWN" : "UP"
        row[.weight] = "\(usable.reduce(0) { $0 + $1.weight })"
        row[.act] = "\(usable.filter { !$0.backup }.count)"
        row[.bck] = "\(usable.filter(\.backup).count)"
        row[.sid] = "0"
        row[.type] = "1"
        return row
    }
}

/// The columns of `show stat`: HAProxy's first 39, in its order and with its names, then pgfloat's own.
enum StatColumn: String, CaseIterable {
    case pxname, svname, qcur, qmax, scur, smax, slim, stot, bin, bout, dreq, dresp, ereq, econ, eresp, wretr
    case wredis, status, weight, act, bck, chkfail, chkdown, lastchg, downtime, qlimit, pid, iid, sid, throttle
    case lbtot, tracked, type, rate, rate_lim, rate_max, check_status, check_code, check_duration
    case role, timeline, lag_bytes, admin_state, newest_timeline, primary_claimants
    case patroni_tags, sync_standby, patroni_paused
}
