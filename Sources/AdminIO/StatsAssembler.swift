import AdminCore
import ConfigModel
import HealthCore
import HealthIO
import MonotonicTime
import ProxyIO

/// Joins what the data plane counted and what the checks know into the one snapshot every report renders.
///
/// Pure: the caller gathers the parts (each on its own thread) and the process facts; this only combines them,
/// so the mapping to HAProxy's words is tested without sockets.
enum StatsAssembler {
    struct ProcessFacts {
        var version: String
        var pid: Int32
        var node: String
        var uptime: Duration
        var logLinesDropped = 0
        var reloadFailures = 0
    }

    static func snapshot(
        config: PGFloatConfig, traffic: DataPlaneSnapshot, health: HealthReport, process: ProcessFacts,
        vrrp: [VRRPInstanceStats] = [], dcs: DCSStats? = nil
    ) -> StatsSnapshot {
        let routing = health.routing
        var listeners: [ListenerStats] = []
        var servers: [ServerStats] = []
        let trafficByName = Dictionary(
            traffic.listeners.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for listener in config.listeners {
            let counted = trafficByName[listener.name]
            let eligible = routing?.eligible[listener.name] ?? []
            listeners.append(
                ListenerStats(
                    name: listener.name, role: listener.role.rawValue, balance: listener.balance.rawValue,
                    binds: listener.binds.map(\.description), queueCurrent: counted?.queueCurrent ?? 0,
                    queueMax: counted?.queueMax ?? 0, sessionsCurrent: counted?.traffic.current ?? 0,
                    sessionsMax: counted?.traffic.max ?? 0, sessionsLimit: listener.maxconn,
                    sessionsTotal: counted?.traffic.total ?? 0, bytesIn: counted?.traffic.bytesIn ?? 0,
                    bytesOut: counted?.traffic.bytesOut ?? 0, queueTimeouts: counted?.queueTimeouts ?? 0,
                    perSourceRefusals: counted?.perSourceRefusals ?? 0, eligibleServers: eligible.count))
            for name in listener.servers {
                guard let server = config.server(named: name) else { continue }
                let row = counted?.servers.first { $0.name == name }
                servers.append(
                    serverStats(
                        server, in: listener, traffic: row, weight: eligible.first { $0.name == name }?.weight,
                        config: config, health: health))
            }
        }
        let process = ProcessStats(
            version: process.version, pid: process.pid, node: process.node,
            uptimeSeconds: Int(process.uptime.nanoseconds / 1_000_000_000), currentSessions: traffic.currentSessions,
            totalSessions: traffic.acceptedSessions, maxconn: traffic.maxconn, queued: traffic.queued,
            badStartups: traffic.badStartups, cancelsForwarded: traffic.cancelsForwarded,
            cancelsDropped: traffic.cancelsDropped, directTLSSessions: traffic.directTLSSessions,
            relay: traffic.relay, relayFallbackReason: traffic.relayFallbackReason,
            kernelSessions: traffic.kernelSessions, kernelHandoffs: traffic.kernelHandoffs,
            kernelFallbacks: traffic.kernelFallbacks, kernelTakeovers: traffic.kernelTakeovers,
            kernelRedirectedBytes: traffic.kernelRedirectedBytes,
            acceptErrors: traffic.acceptErrors, localErrors: traffic.localErrors, primary: routing?.primary,
            splitBrain: routing?.splitBrain ?? false,
            splitBrainEvents: health.splitBrainEvents, newestTimeline: health.view.newestPrimaryTimeline,
            timelineWriteFailures: health.timelineWriteFailures,
            primaryClaimants: routing?.primaryClaimants ?? [], patroniPaused: health.view.patroniPaused,
            logLinesDropped: process.logLinesDropped,
            reloadFailures: process.reloadFailures)
        let sessions = traffic.sessions.map {
            SessionStats(
                id: $0.id, listener: $0.listener, client: $0.client, server: $0.server, phase: $0.phase,
                ageSeconds: Int($0.age.nanoseconds / 1_000_000_000), bytesIn: $0.bytesIn, bytesOut: $0.bytesOut)
        }
        var dcs = dcs
        dcs?.disagreements = health.storeDisagreements
        return StatsSnapshot(
            process: process, listeners: listeners, servers: servers, sessions: sessions, vrrp: vrrp, dcs: dcs)
    }

    private static func serverStats(
        _ server: ServerConfig, in listener: ListenerConfig, traffic: DataPlaneSnapshot.Server?, weight: Int?,
        config: PGFloatConfig, health report: HealthReport
    ) -> ServerStats {
        let view = report.view
        let health = view.health(of: server.name)
        let administration = view.administration(of: server.name, in: listener.name)
        let now = report.takenAt
        let outcome = health?.lastOutcome
        let paused = view.checksPaused(for: server.name, listeners: config.listeners)
        let reading = view.replicaLag(of: server.name)
        return ServerStats(
            listener: listener.name, name: server.name, address: server.address.description,
            status: status(health, administration, paused: paused),
            adminState: administration.state, weight: weight ?? 0,
            configuredWeight: administration.weight ?? server.weight, backup: server.backup, eligible: weight != nil,
            sessionsCurrent: traffic?.traffic.current ?? 0, sessionsMax: traffic?.traffic.max ?? 0,
            sessionsLimit: server.maxconn, sessionsTotal: traffic?.traffic.total ?? 0,
            bytesIn: traffic?.traffic.bytesIn ?? 0, bytesOut: traffic?.traffic.bytesOut ?? 0,
            connectFailures: traffic?.connectFailures ?? 0, checkFailures: health?.failedChecks ?? 0,
            checkDowns: health?.downTransitions ?? 0, checkInconclusive: health?.inconclusiveChecks ?? 0,
            lastChangeSeconds: health?.lastChange.map { Int(now.since($0).nanoseconds / 1_000_000_000) },
            downtimeSeconds: health.map { Int($0.downtime(at: now).nanoseconds / 1_000_000_000) } ?? 0,
            checkType: config.check.forServer(server).type.rawValue, checkStatus: checkStatus(outcome),
            checkError: outcome?.error, checkDurationMilliseconds: outcome.map { Int($0.duration.milliseconds) },
            role: health?.role.rawValue ?? ServerRole.unknown.rawValue, timeline: health?.timeline,
            lagBytes: view.lag(of: server.name),
            replayDelayMilliseconds: reading?.time.map(\.milliseconds), streaming: reading?.streaming,
            diverged: reading?.diverged ?? false, patroni: view.patroniFacts(of: server.name))
    }

    /// HAProxy's status words: the operator's state first, then the agent's, then reachability.
    static func status(_ health: ServerHealth?, _ administration: ServerAdministration, paused: Bool) -> String {
        if paused || administration.state == .maint { return "MAINT" }
        if administration.state == .drain { return "DRAIN" }
        switch health?.agent {
        case .maintenance?: return "MAINT"
        case .drain?: return "DRAIN"
        case .ready?, .weightPercent?, nil: break
        }
        switch health?.reachability {
        case .up?: return "UP"
        case .down?: return "DOWN"
        case .unknown?, nil: return "no check"
        }
    }

    /// HAProxy's check status codes for what our probes can tell apart.
    static func checkStatus(_ outcome: CheckOutcome?) -> String {
        guard let outcome else { return "INI" }
        if outcome.reachable { return "L7OK" }
        let error = (outcome.error ?? "").lowercased()
        if error.contains("timed out") || error.contains("timeout") { return "L4TOUT" }
        if error.contains("refused") || error.contains("unreachable") || error.contains("reset") { return "L4CON" }
        return "L7STS"
    }
}
