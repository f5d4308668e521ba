import ConfigModel
import HealthCore
import MonotonicTime

/// A made-up clock: `sec(5)` is five seconds after an arbitrary origin, so tests read as a timeline.
func sec(_ seconds: Int, plusNanoseconds nanoseconds: UInt64 = 0) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: UInt64(1_000 + seconds) * 1_000_000_000 + nanoseconds)
}

/// `[check]` as most tests use it: rise 2, fall 3, and intervals that differ from each other.
let testCheck = CheckSettings(
    interval: .seconds(3), rise: 2, fall: 3, fastInterval: .milliseconds(500), downInterval: .seconds(10))

func server(
    _ name: String, port: Int = 5432, weight: Int = 100, backup: Bool = false, slowstart: Duration = .zero
) -> ServerConfig {
    ServerConfig(
        name: name, address: Endpoint(host: "\(name).db", port: port), weight: weight, backup: backup,
        slowstart: slowstart)
}

func listener(
    _ name: String, _ role: ListenerRole, _ servers: [String], maxLag: LagLimit? = nil, requireStreaming: Bool = false
) -> ListenerConfig {
    ListenerConfig(
        name: name, binds: [], role: role, servers: servers, maxLag: maxLag, requireStreaming: requireStreaming)
}

extension CheckOutcome {
    static func primary(timeline: Int? = 1, wal: UInt64? = nil, agent: AgentDirective? = nil) -> CheckOutcome {
        CheckOutcome(reachable: true, role: .primary, timeline: timeline, walPosition: wal, agent: agent)
    }

    static func replica(
        timeline: Int? = 1, wal: UInt64? = nil, lag: UInt64? = nil, received: UInt64? = nil,
        delay: Duration? = nil, streaming: Bool? = nil, agent: AgentDirective? = nil
    ) -> CheckOutcome {
        CheckOutcome(
            reachable: true, role: .replica, timeline: timeline, walPosition: wal, reportedLag: lag,
            receivedPosition: received, replayDelay: delay, streaming: streaming, agent: agent)
    }

    /// A check that cannot tell the role (tcp, pg-hello, agent).
    static func answered(agent: AgentDirective? = nil) -> CheckOutcome {
        CheckOutcome(reachable: true, agent: agent)
    }

    static let refused = CheckOutcome.failed("connection refused")
}

extension RoutingTable {
    /// The names `listener` may use, in pool order.
    func names(_ listener: String) -> [String] {
        (eligible[listener] ?? []).map(\.name)
    }

    /// The weight `server` has in `listener`, nil when it is not eligible there.
    func weight(of server: String, in listener: String) -> Int? {
        eligible[listener]?.first { $0.name == server }?.weight
    }
}

extension ClusterView {
    /// Feeds the same result for several servers at one instant.
    mutating func record(_ outcome: CheckOutcome, for servers: [String], at now: MonotonicInstant) {
        for name in servers { record(server: name, outcome: outcome, at: now) }
    }
}
