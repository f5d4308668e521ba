import ConfigModel

/// The kinds of check HAProxy's servers had, in the order one is preferred when listeners check a server
/// differently: the one that learns the most about the server first.
enum CheckKind: Int, Sendable, Equatable, Comparable {
    case patroni, pgsql, external, agent, tcp

    var type: CheckType {
        switch self {
        case .patroni: return .patroni
        case .pgsql: return .pgsql
        case .external: return .external
        case .agent: return .agent
        case .tcp: return .tcp
        }
    }

    static func < (lhs: CheckKind, rhs: CheckKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// HAProxy checks each server once per listener, with that listener's settings; pgfloat checks each server once.
/// This derives the one `[check]`: the kind most servers had, per-server `check_type`/`check_port` where a
/// server had another, and the timing most uses had, with a warning only where something is really lost.
extension HAProxyAssembler {
    private static let oneCheck = "pgfloat checks each server once, for every listener"

    mutating func deriveCheck() {
        var kinds: [Int: [Sourced<CheckKind>]] = [:]
        var checked: [CheckUse] = []
        for use in checkUses {
            guard let kind = kind(of: use) else { continue }
            checked.append(use)
            if !(kinds[use.server] ?? []).contains(where: { $0.value == kind.value }) {
                kinds[use.server, default: []].append(kind)
            }
        }
        var chosen: [Int: Sourced<CheckKind>] = [:]
        for (index, entry) in registry.entries.enumerated() {
            let found = kinds[index] ?? []
            guard let best = found.min(by: { $0.value < $1.value }) else {
                log.warn(
                    entry.origin,
                    "server \(entry.name) has no check: HAProxy took it as always up; pgfloat checks every server "
                        + "with [check]")
                continue
            }
            chosen[index] = best
            if found.count > 1, let at = found.first(where: { $0.value != best.value })?.origin {
                let names = found.map { $0.value.type.rawValue }.joined(separator: ", ")
                log.warn(
                    at,
                    "listeners check server \(entry.name) differently (\(names)); \(Self.oneCheck): kept "
                        + best.value.type.rawValue)
            }
        }
        // The kind most servers had is [check]'s; a tie goes to the server written first.
        var counts: [CheckKind: Int] = [:]
        for index in registry.entries.indices { if let kind = chosen[index] { counts[kind.value, default: 0] += 1 } }
        let most = counts.values.max() ?? 0
        let global = registry.entries.indices.lazy.compactMap { chosen[$0] }.first { counts[$0.value] == most }
        if let global {
            config.check.type = Sourced(global.value.type, global.origin)
        } else {
            config.check.type = Sourced(.tcp, nil, remark: "no server had a check")
        }
        let globalKind = global?.value ?? .tcp
        for (index, kind) in chosen where kind.value != globalKind {
            serverCheckTypes[index] = Sourced(kind.value.type, kind.origin)
        }
        derivePorts(chosen: chosen, globalKind: globalKind, checked: checked)
        deriveTiming(checked)
        deriveCredentials(checked, chosen: chosen)
    }

    /// The kind of check one listener gave one server; nil when it had none.
    private mutating func kind(of use: CheckUse) -> Sourced<CheckKind>? {
        let parameters = use.parameters
        guard parameters.check?.value == true else {
            return parameters.agent.map { Sourced(.agent, $0.origin) }
        }
        if let agent = parameters.agent, let at = agent.origin {
            log.warn(at, "pgfloat runs one check per server: the agent is not asked besides the health check")
        }
        guard let request = use.request else { return Sourced(.tcp, parameters.check?.origin) }
        switch request.value {
        case .tcp:
            return Sourced(.tcp, request.origin)
        case .http(_, let uri):
            if PatroniEndpoint(uri: uri) != nil { return Sourced(.patroni, request.origin) }
            if let at = request.origin {
                log.warn(
                    at,
                    "\(uri) is not one of Patroni's endpoints and pgfloat has no plain HTTP check: a tcp check "
                        + "(a connect) instead")
            }
            return Sourced(.tcp, request.origin)
        case .pgsql:
            return Sourced(.pgsql, request.origin)
        case .external:
            guard let command = use.command, command.value.hasPrefix("/") else {
                if let at = use.command?.origin ?? request.origin {
                    log.warn(
                        at,
                        "an external check needs a command starting with an absolute path: a tcp check instead")
                }
                return Sourced(.tcp, request.origin)
            }
            if let at = command.origin { log.warn(at, HAProxyDirective.externalCheckCommand.mapping.why) }
            return Sourced(.external, request.origin)
        }
    }

    private mutating func derivePorts(chosen: [Int: Sourced<CheckKind>], globalKind: CheckKind, checked: [CheckUse]) {
        var ports: [Int: Sourced<Int>] = [:]
        for (index, entry) in registry.entries.enumerated() {
            guard let kind = chosen[index]?.value else { continue }
            let uses = checked.filter { $0.server == index }
            let candidates = uses.compactMap { kind == .agent ? $0.parameters.agentPort : $0.parameters.port }
            if let port = log.agreed(
                candidates, "the check port of server \(entry.name)", reason: Self.oneCheck,
                describe: { String($0) })
            {
                ports[index] = port
            }
        }
        // [check] port: the port most servers of [check]'s kind use, when it is not their own.
        let sameKind = registry.entries.indices.filter { chosen[$0]?.value == globalKind }
        var counts: [Int: Int] = [:]
        for index in sameKind { if let port = ports[index] { counts[port.value, default: 0] += 1 } }
        let withoutPort = sameKind.filter { ports[$0] == nil }.count
        let most = counts.values.max() ?? 0
        let commonest = sameKind.first { index in ports[index].map { counts[$0.value] == most } ?? false }
        if most > withoutPort, let index = commonest {
            config.check.port = ports[index]
        }
        // [check] port applies to every server, whatever its type: a server checked elsewhere names its own.
        for (index, entry) in registry.entries.enumerated() where chosen[index] != nil {
            if let port = ports[index] {
                if port.value != config.check.port?.value { serverCheckPorts[index] = port }
            } else if config.check.port != nil {
                serverCheckPorts[index] = Sourced(entry.port, entry.origin, remark: "the server's own port")
            }
        }
    }

    private mutating func deriveTiming(_ checked: [CheckUse]) {
        func effective<Value>(_ value: Sourced<Value>?, _ fallback: Value) -> Sourced<Value> {
            value ?? Sourced(fallback, nil, remark: "HAProxy's default")
        }
        let describe = { (value: Duration) in DurationParser.text(value) }
        // HAProxy's defaults: inter 2s, rise 2, fall 3.
        config.check.interval = log.agreed(
            checked.map {
                let inter =
                    $0.parameters.agent != nil && $0.parameters.check == nil
                    ? $0.parameters.agentInter : $0.parameters.inter
                return effective(inter, .seconds(2))
            },
            "inter", reason: Self.oneCheck, describe: describe)
        config.check.rise = log.agreed(
            checked.map { effective($0.parameters.rise, 2) }, "rise", reason: Self.oneCheck,
            describe: { String($0) })
        config.check.fall = log.agreed(
            checked.map { effective($0.parameters.fall, 3) }, "fall", reason: Self.oneCheck,
            describe: { String($0) })
        config.check.fastInterval = log.agreed(
            checked.compactMap(\.parameters.fastinter), "fastinter", reason: Self.oneCheck, describe: describe)
        config.check.downInterval = log.agreed(
            checked.compactMap(\.parameters.downinter), "downinter", reason: Self.oneCheck, describe: describe)
    }

    private mutating func deriveCredentials(_ checked: [CheckUse], chosen: [Int: Sourced<CheckKind>]) {
        let kinds = Set(chosen.values.map(\.value))
        if kinds.contains(.pgsql) {
            let users: [Sourced<String>] = checked.compactMap { use in
                guard case .pgsql(let user?)? = use.request?.value else { return nil }
                return Sourced(user, use.request?.origin)
            }
            config.check.user = log.agreed(users, "the pgsql-check user", reason: Self.oneCheck) { $0 }
        }
        if kinds.contains(.external) {
            let commands = checked.compactMap { use -> Sourced<String>? in
                guard case .external? = use.request?.value else { return nil }
                return use.command
            }
            config.check.command = log.agreed(
                commands.filter { $0.value.hasPrefix("/") }, "the external-check command", reason: Self.oneCheck
            ) { $0 }
        }
        let ssl = checked.compactMap(\.parameters.checkSSL)
        if let first = ssl.first { config.check.scheme = Sourced("https", first.origin) }
        config.check.caFile = log.agreed(
            checked.compactMap(\.parameters.caFile), "ca-file", reason: Self.oneCheck
        ) { $0 }
    }

    /// The `[[server]]` tables: what each server's listeners agree on.
    mutating func buildServers() {
        var servers: [ImportedServer] = []
        for index in registry.entries.indices { servers.append(server(index, log: &log)) }
        config.servers = servers
    }

    private func server(_ index: Int, log: inout DiagnosticLog) -> ImportedServer {
        let entry = registry.entries[index]
        var server = ImportedServer(name: entry.name, address: entry.address, origin: entry.origin)
        let reason = "pgfloat sets it per server, for every listener"
        let uses = entry.uses.map(\.parameters)
        // HAProxy's weights default to 1, pgfloat's to 100: once any weight is written, write them all.
        let anyWeight = registry.entries.contains { $0.uses.contains { $0.parameters.weight != nil } }
        if anyWeight {
            server.weight = log.agreed(
                uses.map { $0.weight ?? Sourced(1, nil, remark: "HAProxy's default") },
                "the weight of server \(entry.name)", reason: reason, describe: { String($0) })
        }
        server.maxconn = log.agreed(
            uses.compactMap(\.maxconn), "the maxconn of server \(entry.name)", reason: reason,
            describe: { String($0) })
        let backups = uses.map { $0.backup ?? Sourced(false, nil, remark: "HAProxy's default") }
        if backups.contains(where: \.value) {
            server.backup = log.agreed(
                backups, "backup for server \(entry.name)", reason: reason, describe: { String($0) })
            if server.backup?.value == false { server.backup = nil }
        }
        server.slowstart = log.agreed(
            uses.compactMap(\.slowstart), "the slowstart of server \(entry.name)", reason: reason,
            describe: { DurationParser.text($0) })
        server.checkType = serverCheckTypes[index]
        server.checkPort = serverCheckPorts[index]
        return server
    }
}
