import MonotonicTime

/// One server's health as routing sees it: whether it is up, the role routing may trust it with, and what its
/// last answers said.
///
/// Contract: `record` is the only mutation. It takes one check result and the instant the check finished, and
/// returns one event per thing that changed, in the order reachability, role, agent, timeline, maintenance.
/// Reachability follows rise/fall (`HealthCounter`); the role follows the rules on `role`; an unreachable result
/// keeps the last role, agent directive, timeline, WAL position and Patroni facts, because it says nothing new
/// about them.
public struct ServerHealth: Sendable, Equatable {
    public let name: String
    private var counter: HealthCounter
    /// Primary answers in a row from a server that routing does not trust as primary yet.
    private var primaryStreak = 0

    /// The role routing trusts.
    ///
    /// - An answer "replica" makes it `.replica` at once: that is an authoritative answer (a demoted primary must
    ///   stop taking writes now), not a failure to count.
    /// - An answer "primary" makes a server that is not yet primary `.primary` only after `rise` consecutive
    ///   primary answers, so one odd answer during a failover does not move writes. The very first result of a
    ///   never-checked server counts at once: after a cold start writes should not wait `rise` intervals. So does
    ///   an answer from a server the store names leader: Patroni already decided, the check only confirms.
    /// - An answer `.unknown` (tcp, pg-hello, agent checks) sets `.unknown` at once.
    /// - An unreachable result keeps the last role (reachability takes the server out of routing) but restarts
    ///   the primary streak, whose answers must be consecutive.
    public private(set) var role: ServerRole = .unknown
    /// The role the last answer said, trusted or not yet; nil before any answer.
    public private(set) var answeredRole: ServerRole?
    /// The timeline of the last answer that told one.
    public private(set) var timeline: Int?
    /// WAL position of the last answer, in bytes.
    public private(set) var walPosition: UInt64?
    /// Lag the last answer reported itself, in bytes.
    public private(set) var reportedLag: UInt64?
    /// A replica's received WAL position of the last answer, in bytes.
    public private(set) var receivedPosition: UInt64?
    /// A replica's replay delay as its last answer reported it.
    public private(set) var replayDelay: Duration?
    /// Whether a replica's WAL receiver streamed at the last answer; nil when the check cannot tell.
    public private(set) var streaming: Bool?
    /// From the start to the end of the check that gave the last answer: its WAL positions were read in between,
    /// which is what tells whether two servers' positions can be compared soundly.
    public private(set) var sampled: ClosedRange<MonotonicInstant>?
    public private(set) var agent: AgentDirective?
    /// What Patroni said of the server at the last answer that asked it; nil for other checks.
    public private(set) var patroni: PatroniFacts?
    public private(set) var lastOutcome: CheckOutcome?
    /// When reachability last became up (for slowstart); nil while not up.
    public private(set) var upSince: MonotonicInstant?
    /// When reachability or role last changed.
    public private(set) var lastChange: MonotonicInstant?
    /// Whether the server came up after being seen down rather than on its first check. Only then does slowstart
    /// ramp: as HAProxy does, a server found up at start (or added by a reload) is already serving at full load.
    private(set) var cameBack = false
    /// Checks that failed since start (HAProxy's chkfail).
    public private(set) var failedChecks = 0
    /// Checks the server answered too busy to run (see ``CheckOutcome/inconclusive``) since start.
    public private(set) var inconclusiveChecks = 0
    /// When an inconclusive check was last reported, and how many came since, unreported.
    private var inconclusiveReported: MonotonicInstant?
    private var inconclusiveUnreported = 0
    /// Times reachability went from up to down (HAProxy's chkdown).
    public private(set) var downTransitions = 0
    /// Time spent down before the current down period, if any.
    private var downtimeBefore = Duration.zero
    private var downSince: MonotonicInstant?

    public init(name: String, rise: Int, fall: Int) {
        self.name = name
        self.counter = HealthCounter(rise: rise, fall: fall)
    }

    /// Unknown until the first check, then up or down by rise/fall.
    public var reachability: HealthCounter.State { counter.state }

    /// Whether it says it is primary now, confirmed or not: its last answer said so and it is not down. A
    /// drained or unconfirmed primary still takes writes from clients that bypass pgfloat.
    public var claimsPrimary: Bool { reachability != .down && answeredRole == .primary }

    /// True while rise/fall or the primary streak is part way: checks then run at `fast_interval`.
    public var isChanging: Bool { counter.isChanging || primaryStreak > 0 }

    /// Takes one check result, finished at `now`; returns what it changed.
    ///
    /// An inconclusive result (a busy server) changes nothing but the statistics: it neither advances nor resets
    /// rise, fall or the primary streak, and keeps the role. It is reported at most once per
    /// `inconclusiveReportPeriod`, with the count since the last report, so a server that stays busy logs a line a
    /// minute rather than one per check.
    ///
    /// - Parameter trustedPrimary: The store names this server leader, so one primary answer is enough.
    @discardableResult
    public mutating func record(
        _ outcome: CheckOutcome, at now: MonotonicInstant, trustedPrimary: Bool = false
    ) -> [HealthEvent] {
        // Until a conclusive result, the server is still on its first check: a busy answer tells no role.
        let firstCheck = counter.state == .unknown
        lastOutcome = outcome
        if outcome.inconclusive { return reportInconclusive(outcome, at: now) }
        var changes: [(HealthEvent.Change, String)] = []
        if !outcome.reachable { failedChecks += 1 }
        if let moved = counter.record(success: outcome.reachable) {
            lastChange = now
            countDowntime(moved, at: now)
            upSince = moved.to == .up ? now : nil
            cameBack = moved.from == .down && moved.to == .up
            let why = HealthEvent.reachabilityWhy(
                from: moved.from, to: moved.to, counter: counter, error: outcome.error)
            changes.append((.reachability(from: moved.from, to: moved.to), why))
        }
        if let (learnt, why) = learnRole(from: outcome, firstCheck: firstCheck, trusted: trustedPrimary),
            learnt != role
        {
            changes.append((.role(from: role, to: learnt), why))
            role = learnt
            lastChange = now
        }
        // A result that did not reach the agent says nothing about what it wants, unless it carries a directive.
        if outcome.reachable || outcome.agent != nil, outcome.agent != agent {
            changes.append((.agent(from: agent, to: outcome.agent), HealthEvent.agentWhy(outcome.agent)))
            agent = outcome.agent
        }
        if outcome.reachable {
            answeredRole = outcome.role
            if outcome.timeline != timeline {
                let why = HealthEvent.timelineWhy(outcome.timeline)
                changes.append((.timeline(from: timeline, to: outcome.timeline), why))
                timeline = outcome.timeline
            }
            if let paused = outcome.patroni.map({ $0.paused == true }), paused != (patroni?.paused == true) {
                let why = paused ? "patroni reports maintenance mode" : "patroni left maintenance mode"
                changes.append((.maintenance(paused: paused), why))
            }
            patroni = outcome.patroni
            walPosition = outcome.walPosition
            reportedLag = outcome.reportedLag
            receivedPosition = outcome.receivedPosition
            replayDelay = outcome.replayDelay
            streaming = outcome.streaming
            let started = now.nanoseconds - min(outcome.duration.nanoseconds, now.nanoseconds)
            sampled = MonotonicInstant(nanoseconds: started)...now
        }
        return changes.map { change, why in
            HealthEvent(server: name, change: change, why: why, checkDuration: outcome.duration)
        }
    }

    /// How often a server that stays busy is reported.
    public static let inconclusiveReportPeriod = Duration.seconds(60)

    private mutating func reportInconclusive(_ outcome: CheckOutcome, at now: MonotonicInstant) -> [HealthEvent] {
        inconclusiveChecks += 1
        inconclusiveUnreported += 1
        if let inconclusiveReported, now.since(inconclusiveReported) < Self.inconclusiveReportPeriod { return [] }
        inconclusiveReported = now
        defer { inconclusiveUnreported = 0 }
        let change = HealthEvent.Change.inconclusive(sqlState: outcome.sqlState, count: inconclusiveUnreported)
        let why = HealthEvent.inconclusiveWhy(count: inconclusiveUnreported, error: outcome.error)
        return [HealthEvent(server: name, change: change, why: why, checkDuration: outcome.duration)]
    }

    /// Time spent down since start, up to `now` (HAProxy's downtime).
    public func downtime(at now: MonotonicInstant) -> Duration {
        downSince.map { downtimeBefore + now.since($0) } ?? downtimeBefore
    }

    private mutating func countDowntime(_ moved: HealthCounter.Transition, at now: MonotonicInstant) {
        if moved.from == .up, moved.to == .down { downTransitions += 1 }
        if moved.to == .down { downSince = now }
        if moved.from == .down, let downSince {
            downtimeBefore = downtimeBefore + now.since(downSince)
            self.downSince = nil
        }
    }

    /// Applies the role rules (see `role`) to one result: the role it establishes and why, or nil when it
    /// establishes none yet.
    private mutating func learnRole(
        from outcome: CheckOutcome, firstCheck: Bool, trusted: Bool
    ) -> (ServerRole, String)? {
        guard outcome.reachable else {
            primaryStreak = 0
            return nil
        }
        switch outcome.role {
        case .replica:
            primaryStreak = 0
            return (.replica, "answered replica")
        case .unknown:
            primaryStreak = 0
            return (.unknown, "answered without a role")
        case .primary where role == .primary:
            primaryStreak = 0
            return nil
        case .primary where firstCheck:
            return (.primary, "answered primary on its first check")
        case .primary where trusted:
            primaryStreak = 0
            return (.primary, "answered primary as the store's leader")
        case .primary:
            primaryStreak += 1
            guard primaryStreak >= counter.rise else { return nil }
            primaryStreak = 0
            return (.primary, "\(counter.rise)/\(counter.rise) primary answers")
        }
    }
}
