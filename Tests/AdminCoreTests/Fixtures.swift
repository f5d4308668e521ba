import AdminCore

/// A small cluster: a primary listener and a replica listener sharing pg1, three servers, two sessions and one
/// VRRP instance, with every optional figure set on some row and unset on another.
enum Fixtures {
    static let snapshot = StatsSnapshot(
        process: ProcessStats(
            version: "0.3.0", pid: 4242, node: "lb-a", uptimeSeconds: 62, currentSessions: 3, totalSessions: 120,
            maxconn: 1000, queued: 1, badStartups: ["bad-length": 2, "bad-code": 5],
            cancelsForwarded: ["owner": 5, "broadcast": 2], cancelsDropped: ["rate-limited": 1, "connect-timeout": 0],
            directTLSSessions: 6, relay: "sockmap", kernelSessions: 2, kernelHandoffs: 40, kernelFallbacks: 1,
            kernelTakeovers: 5, kernelRedirectedBytes: 9000, acceptErrors: 0, localErrors: ["socket:EMFILE": 2], primary: "pg1", splitBrain: false,
            splitBrainEvents: 3,
            logLinesDropped: 12, reloadFailures: 2
        ),
        listeners: [
            ListenerStats(
                name: "pg_rw", role: "primary", balance: "first", binds: ["0.0.0.0:5432"], queueCurrent: 1,
                queueMax: 4, sessionsCurrent: 2, sessionsMax: 9, sessionsLimit: 500, sessionsTotal: 100,
                bytesIn: 1_000, bytesOut: 50_000, queueTimeouts: 2, eligibleServers: 1
            ),
            ListenerStats(
                name: "pg_ro", role: "replica", balance: "leastconn", binds: ["0.0.0.0:5433"], sessionsCurrent: 1,
                sessionsMax: 3, sessionsTotal: 20, bytesIn: 10, bytesOut: 20, eligibleServers: 1
            ),
        ],
        servers: [
            ServerStats(
                listener: "pg_rw", name: "pg1", address: "10.0.0.1:5432", status: "UP", weight: 100,
                configuredWeight: 100, eligible: true, sessionsCurrent: 2, sessionsMax: 9, sessionsLimit: 200,
                sessionsTotal: 100, bytesIn: 1_000, bytesOut: 50_000, connectFailures: 3, checkFailures: 4,
                checkDowns: 1, lastChangeSeconds: 3_700, downtimeSeconds: 12, checkType: "pgsql",
                checkStatus: "L7OK", checkDurationMilliseconds: 3, role: "primary", timeline: 7, lagBytes: 0
            ),
            ServerStats(
                listener: "pg_ro", name: "pg2", address: "[fd00::2]:5433", status: "UP", weight: 50,
                configuredWeight: 50, eligible: true, sessionsCurrent: 1, sessionsTotal: 20, connectFailures: 1,
                checkType: "pgsql", checkStatus: "L7OK", role: "replica", timeline: 7, lagBytes: 2_048,
                replayDelayMilliseconds: 1_500, streaming: true
            ),
            ServerStats(
                listener: "pg_ro", name: "pg3", address: "10.0.0.3:5432", status: "MAINT", adminState: .maint,
                weight: 0, configuredWeight: 10, backup: true, checkType: "pgsql", checkStatus: "L4CON",
                checkError: "connection refused", role: "unknown"
            ),
            ServerStats(
                listener: "pg_ro", name: "pg1", address: "10.0.0.1:5432", status: "DRAIN", adminState: .drain,
                weight: 0, configuredWeight: 100, checkType: "pgsql", checkStatus: "L7OK", role: "primary",
                timeline: 7
            ),
        ],
        sessions: [
            SessionStats(
                id: "3.1", listener: "pg_rw", client: "192.0.2.10:50000", server: "pg1", phase: "relaying",
                ageSeconds: 30, bytesIn: 100, bytesOut: 2_000
            ),
            SessionStats(
                id: "4.1", listener: "pg_ro", client: "192.0.2.11:50001", server: nil, phase: "queued",
                ageSeconds: 2, bytesIn: 0, bytesOut: 0
            ),
        ],
        vrrp: [
            VRRPInstanceStats(
                name: "vi_pg", interface: "eth0", virtualRouterID: 51, state: "MASTER", priority: 100,
                effectivePriority: 80, priorityReasons: ["track_backends -20"], masterAddress: "10.0.0.10",
                secondsSinceTransition: 90, virtualAddresses: ["10.0.0.100/24", "10.0.0.101/24"]
            ),
        ]
    )

    /// A name holding every character markup, CSV and JSON must escape.
    static let hostileName = "a<b&\"c'"

    /// `snapshot` with its first listener renamed to `name` (and its servers and sessions following it).
    static func renamingFirstListener(to name: String) -> StatsSnapshot {
        var renamed = snapshot
        let old = renamed.listeners[0].name
        renamed.listeners[0].name = name
        for index in renamed.servers.indices where renamed.servers[index].listener == old {
            renamed.servers[index].listener = name
        }
        return renamed
    }
}
