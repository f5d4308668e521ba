import ConfigModel
import MonotonicTime

/// Every server's health and the routing derived from it.
///
/// Contract: the driver feeds each check result to `record`, then asks `routing(for:at:)` for what listeners may
/// use and `nextCheckDelay(for:starved:)` for when to check the server again. Servers are checked once whatever
/// the number of listeners using them, so health lives per server and roles are decided cluster-wide.
public struct ClusterView: Sendable {
    /// One configured server with its health.
    struct Member: Sendable {
        var config: ServerConfig
        /// The check settings this server's health was built with; a change restarts its health.
        var settings: CheckSettings
        var health: ServerHealth
    }

    /// In configuration order.
    private(set) var members: [Member] = []
    private var positions: [String: Int] = [:]
    private var check: CheckSettings
    /// Runtime API settings that differ from `.ready`, per listener and server.
    var administration: [ListenerServer: ServerAdministration] = [:]
    /// What the store says; nil routes by the checks alone (see `follow(store:at:)`).
    public internal(set) var store: StoreGuidance?
    /// When the store's leader last changed; nil before the store named one.
    public internal(set) var leaderSince: MonotonicInstant?
    /// The last lag reading of each server answering replica (see `ClusterView+ReplicaLag.swift`).
    var replicaLags: [String: ReplicaLag] = [:]
    /// The lag policies of replica listeners that have one, by listener name.
    var lagWatches: [String: LagWatch] = [:]
    /// Rise/fall of each watched (listener, server) pair over its policy: up while the replica qualifies.
    var lagVerdicts: [ListenerServer: HealthCounter] = [:]
    /// The newest timeline any server answered primary on since start or since the operator last cleared it;
    /// nil before any primary answer told a timeline. No primary on an older timeline takes writes: it lost to
    /// a newer one, even one not confirmed yet or dead since. Cluster-wide and kept across reloads, as the
    /// servers that showed it may have been removed, and across restarts through the driver's state file
    /// (`remember(newestPrimaryTimeline:)`); only `clearNewestPrimaryTimeline()` forgets it.
    public private(set) var newestPrimaryTimeline: Int?
    /// Holds the check-based election after start (see `StartupGate`); nil when never armed (a view not driven
    /// by a daemon that just started).
    public private(set) var startupGate: StartupGate?

    public init(servers: [ServerConfig], check: CheckSettings) {
        self.check = check
        reconfigure(servers: servers, check: check)
    }

    /// Takes a new configuration. Keeps the state of servers whose name, address and check settings did not
    /// change, so a reload never flaps a healthy server; new or changed servers start unknown.
    public mutating func reconfigure(servers: [ServerConfig], check: CheckSettings) {
        self.check = check
        let previous = members
        let previousPositions = positions
        var kept: Set<String> = []
        members = servers.map { server in
            let settings = check.forServer(server)
            if let position = previousPositions[server.name], previous[position].config.address == server.address,
                previous[position].settings == settings
            {
                kept.insert(server.name)
                return Member(config: server, settings: settings, health: previous[position].health)
            }
            let health = ServerHealth(name: server.name, rise: settings.rise, fall: settings.fall)
            return Member(config: server, settings: settings, health: health)
        }
        forgetLag(exceptOf: kept)
        positions = Dictionary(
            members.indices.map { (members[$0].config.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The health of the server with this name; nil if the configuration has none.
    public func health(of server: String) -> ServerHealth? {
        member(named: server)?.health
    }

    /// Every server's health, in configuration order.
    public var servers: [ServerHealth] { members.map(\.health) }

    /// Takes one check result of `server`; returns what it changed (nothing for a server no longer configured,
    /// whose check finished after a reload removed it).
    @discardableResult
    public mutating func record(server: String, outcome: CheckOutcome, at now: MonotonicInstant) -> [HealthEvent] {
        guard let position = positions[server] else { return [] }
        // The store already chose this server: one primary answer confirms it, without `rise` of them.
        let trusted = store?.leader == server
        // One answer is enough: a promotion is a fact, and the older primary must stop taking writes at once.
        if outcome.reachable, outcome.role == .primary, let timeline = outcome.timeline,
            timeline > newestPrimaryTimeline ?? Int.min
        {
            newestPrimaryTimeline = timeline
        }
        let events = members[position].health.record(outcome, at: now, trustedPrimary: trusted)
        guard outcome.reachable else { return events }
        return events + measureLag(after: server, checkDuration: outcome.duration)
    }

    /// Takes the newest primary timeline a previous run of the daemon remembered (its state file): a primary on an
    /// older timeline lost to a newer one even when that one is dead now. Never lowers what this run has seen.
    public mutating func remember(newestPrimaryTimeline timeline: Int) {
        if timeline > newestPrimaryTimeline ?? Int.min { newestPrimaryTimeline = timeline }
    }

    /// Arms the startup gate at `now`, the start of the checks: no primary is elected by the checks until every
    /// configured server has answered once or one check `timeout` has passed.
    public mutating func holdElections(from now: MonotonicInstant) {
        startupGate = StartupGate(start: now, timeout: check.timeout)
    }

    /// Opens the startup gate when it may open at `now`; returns why, only the time it opens. The driver calls it
    /// after every check result and when the gate's deadline passes.
    public mutating func reviewStartupGate(at now: MonotonicInstant) -> StartupGate.Opening? {
        // A busy answer (53300 at login, say) tells no role: the gate waits for a conclusive one or its deadline.
        let everyServerAnswered = members.allSatisfy { $0.health.reachability != .unknown }
        return startupGate?.review(everyServerAnswered: everyServerAnswered, at: now)
    }

    /// Whether the startup gate still holds the check-based election.
    var holdsElections: Bool { startupGate.map { !$0.isOpen } ?? false }

    /// Forgets the newest primary timeline, for a cluster restored from a backup onto an older timeline; the
    /// next primary answer sets it again. Returns what was forgotten.
    @discardableResult
    public mutating func clearNewestPrimaryTimeline() -> Int? {
        defer { newestPrimaryTimeline = nil }
        return newestPrimaryTimeline
    }

    /// Lag in bytes of a server: 0 for the elected primary; a replica's at its last check (see `ReplicaLag.bytes`);
    /// else the lag its store member record shows; else nil.
    public func lag(of server: String) -> UInt64? {
        guard health(of: server) != nil else { return nil }
        if election().primary == server { return 0 }
        return replicaLags[server]?.bytes ?? store?.recordedLag[server]
    }

    /// Delay before the next check of `server`, decided at `now`.
    ///
    /// `fast_interval` while it is changing (confirm or undo the change soon) or while `starved`, i.e. some
    /// listener using it has no eligible server: that is how a promotion is picked up fast. `down_interval`
    /// (default `interval`) while down, to spare a dead host. Else `interval`.
    ///
    /// A server the store names leader is checked every `confirm_interval` until its check confirms it, so writes
    /// follow Patroni's promotion at once, but only during `confirm_window` after the leader changed: a leader
    /// that is still unconfirmed then (unreachable, or a Patroni standby cluster's leader, which answers replica)
    /// goes back to the rules above rather than costing a check every few milliseconds for ever.
    public func nextCheckDelay(for server: String, starved: Bool, at now: MonotonicInstant) -> Duration {
        guard let member = member(named: server) else { return check.interval }
        if let store, store.leader == server, !isConfirmedLeader(server),
            let leaderSince, now.since(leaderSince) < store.confirmWindow
        {
            return store.confirmInterval
        }
        let settings = member.settings
        if member.health.isChanging || starved { return settings.fastInterval }
        if member.health.reachability == .down { return settings.downInterval ?? settings.interval }
        return settings.interval
    }

    func member(named name: String) -> Member? {
        positions[name].map { members[$0] }
    }
}
