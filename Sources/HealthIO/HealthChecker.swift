import AsyncHTTPClient
import ConfigModel
import Dispatch
import HealthCore
import Logging
import Metrics
import MonotonicTime
import NIOCore
import ScriptRunner

/// Runs one health check per server on a control-plane event loop, keeps the cluster's health view, and hands
/// every change of routing to the data plane.
///
/// Every listener shares the result: a server is checked once per interval however many listeners use it, and
/// the role each check learns decides which listeners may use the server. All state lives on `eventLoop`; the
/// public methods hop onto it.
public final class HealthChecker: @unchecked Sendable {
    /// Called on the checker's event loop whenever what listeners may use changes.
    public typealias RoutingHandler = @Sendable (RoutingTable) -> Void

    final class Target {
        let server: ServerConfig
        let settings: CheckSettings
        let probe: HealthProbe
        var scheduled: Scheduled<Void>?
        var nextRun: NIODeadline = .now()
        var running = false

        init(server: ServerConfig, settings: CheckSettings, probe: HealthProbe) {
            self.server = server
            self.settings = settings
            self.probe = probe
        }
    }

    public let eventLoop: EventLoop
    let logger: Logger
    private let httpClient: HTTPClient
    private let onRouting: RoutingHandler
    private let launcher: ScriptLauncher
    var view = ClusterView(servers: [], check: CheckSettings())
    private(set) var check = CheckSettings()
    var listeners: [ListenerConfig] = []
    var targets: [String: Target] = [:]
    var routing: RoutingTable?
    private var rampTimer: Scheduled<Void>?
    private var claimsAlarm = PrimaryClaimsAlarm()
    /// Checks rounds in which two servers claimed primary and none could be chosen.
    var splitBrainEvents = 0
    /// The disagreements between the store and the checks found last, and how many arose since start.
    var disagreements: Set<StoreDisagreement> = []
    var storeDisagreements = 0
    /// Keeps the newest primary timeline across restarts; nil keeps it in memory only (tests).
    let timelineFile: NewestTimelineFile?
    /// When the file needs writing (see `NewestTimelineFile+Checker.swift`).
    var timelineSync = NewestTimelineSync(retryDelay: HealthChecker.timelineRetryDelay)
    /// The file's writes wait for the disk here, never on `eventLoop`.
    let timelineQueue = DispatchQueue(label: "pgfloat.newest-timeline")
    /// Fires when the startup gate's deadline passes; nil once the gate is open.
    var gateTimer: Scheduled<Void>?

    /// - Parameter launcher: Runs `external` check scripts; the daemon passes the one that applies `script_user`
    ///   and the script security check.
    /// - Parameter timelineFile: Where the newest primary timeline is kept across restarts; read at the first
    ///   configuration, written whenever it changes.
    public init(
        eventLoop: EventLoop, logger: Logger,
        launcher: ScriptLauncher = .asDaemonUser,
        timelineFile: NewestTimelineFile? = nil,
        onRouting: @escaping RoutingHandler
    ) {
        self.eventLoop = eventLoop
        self.timelineFile = timelineFile
        self.launcher = launcher
        self.logger = logger
        self.onRouting = onRouting
        // One client for every Patroni probe, so that they share its event loop and its shutdown.
        self.httpClient = HTTPClient(eventLoopGroupProvider: .shared(eventLoop))
    }

    /// Starts, keeps or stops checks to match the configuration. A server whose address and check settings did
    /// not change keeps its state and its connection, so a reload never flaps a healthy server.
    public func update(_ config: PGFloatConfig) {
        eventLoop.execute { self.apply(config) }
    }

    /// Stops every check and closes their connections.
    public func stop() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.rampTimer?.cancel()
            self.gateTimer?.cancel()
            let stopping = self.targets.values.map { target -> EventLoopFuture<Void> in
                target.scheduled?.cancel()
                return target.probe.shutdown()
            }
            self.targets.removeAll()
            return EventLoopFuture.andAllComplete(stopping, on: self.eventLoop)
        }.flatMap {
            self.httpClient.shutdown()
        }
    }

    private func apply(_ config: PGFloatConfig) {
        check = config.check
        listeners = config.listeners
        let starting = view.startupGate == nil
        view.reconfigure(servers: config.servers, check: config.check)
        if starting { resumeFromLastRun() }
        view.keepAdministration(of: config.listeners)
        view.followLagLimits(of: config.listeners)
        let wanted = Set(config.servers.map(\.name))
        for (name, target) in targets where !wanted.contains(name) {
            target.scheduled?.cancel()
            _ = target.probe.shutdown()
            targets[name] = nil
        }
        for server in config.servers {
            let settings = config.check.forServer(server)
            if let target = targets[server.name], target.server.address == server.address,
                target.settings == settings
            {
                continue
            }
            if let old = targets[server.name] {
                old.scheduled?.cancel()
                _ = old.probe.shutdown()
            }
            let probe = HealthProbes.make(
                server: server, settings: settings, eventLoop: eventLoop, httpClient: httpClient, logger: logger,
                launcher: launcher)
            let target = Target(server: server, settings: settings, probe: probe)
            targets[server.name] = target
            schedule(target, in: .zero)
        }
        publishRouting()
    }

    func schedule(_ target: Target, in delay: Duration) {
        target.scheduled?.cancel()
        target.nextRun = .now() + .nanoseconds(Int64(delay.nanoseconds))
        target.scheduled = eventLoop.scheduleTask(deadline: target.nextRun) { [weak self, weak target] in
            guard let self, let target else { return }
            self.run(target)
        }
    }

    private func run(_ target: Target) {
        guard targets[target.server.name] === target, !target.running else { return }
        // Maintenance pauses the checks; leaving it reschedules one at once (see `administer`).
        if view.checksPaused(for: target.server.name, listeners: listeners) {
            schedule(target, in: target.settings.interval)
            return
        }
        target.running = true
        target.probe.check().whenComplete { result in
            target.running = false
            guard self.targets[target.server.name] === target else { return }
            let outcome: CheckOutcome
            switch result {
            case .success(let value): outcome = value
            case .failure(let error): outcome = .failed("\(error)")
            }
            self.record(target, outcome)
        }
    }

    private func record(_ target: Target, _ outcome: CheckOutcome) {
        let now = Self.now()
        Metrics.Timer(label: "pgfloat_check_duration_seconds", dimensions: [("server", target.server.name)])
            .recordNanoseconds(Int64(outcome.duration.nanoseconds))
        let newestBefore = view.newestPrimaryTimeline
        for event in view.record(server: target.server.name, outcome: outcome, at: now) { log(event) }
        reviewStartupGate(at: now)
        if view.newestPrimaryTimeline != newestBefore {
            logger.notice(
                "newest primary timeline",
                metadata: [
                    "server": "\(target.server.name)", "from": "\(newestBefore.map(String.init) ?? "none")",
                    "to": "\(view.newestPrimaryTimeline.map(String.init) ?? "none")",
                    "why": "answered primary on a newer timeline; no writes to a primary on an older one",
                ])
        }
        keepNewestTimeline()
        let starvedBefore = starvedServers()
        publishRouting()
        reviewDisagreements()
        let starved = starvedServers()
        let name = target.server.name
        schedule(target, in: view.nextCheckDelay(for: name, starved: starved.contains(name), at: now))
        // A listener just lost its last server: look at its pool at the fast interval from now on.
        for name in starved.subtracting(starvedBefore) {
            guard let other = targets[name], other !== target, !other.running else { continue }
            if other.nextRun > .now() + .nanoseconds(Int64(check.fastInterval.nanoseconds)) {
                schedule(other, in: check.fastInterval)
            }
        }
    }

    /// Servers in the pool of a listener that has no eligible server.
    private func starvedServers() -> Set<String> {
        guard let routing else { return [] }
        var starved: Set<String> = []
        for listener in listeners where (routing.eligible[listener.name] ?? []).isEmpty {
            starved.formUnion(listener.servers)
        }
        return starved
    }

    /// Recomputes what listeners may use and tells the data plane when it changed.
    func publishRouting() {
        let table = view.routing(for: listeners, at: Self.now())
        reviewClaimants(table)
        scheduleRamp(table.nextRampUpdate)
        guard table != routing else { return }
        routing = table
        onRouting(table)
    }

    /// Logs an error while several servers claim primary, whether or not the guard chose one, and while the only
    /// one that does lost to a newer timeline (see `PrimaryClaimsAlarm`).
    private func reviewClaimants(_ table: RoutingTable) {
        let superseded = Set(table.primaryClaimants.filter { view.isSuperseded($0) })
        guard
            let alert = claimsAlarm.review(
                claimants: table.primaryClaimants, superseded: superseded, at: Self.now(), interval: check.interval)
        else { return }
        let claimants = table.primaryClaimants.map { name -> String in
            let timeline = view.health(of: name)?.timeline.map(String.init) ?? "unknown"
            return "\(name)(timeline \(timeline))"
        }
        let metadata: Logger.Metadata = [
            "servers": "\(claimants.joined(separator: ","))", "writes_to": "\(table.primary ?? "none")",
            "newest_timeline": "\(view.newestPrimaryTimeline.map(String.init) ?? "unknown")",
        ]
        switch alert {
        case .severalClaimants where table.splitBrain:
            splitBrainEvents += 1
            logger.error(
                "split brain: several servers claim primary and none is on a newer timeline; routing writes to none",
                metadata: metadata)
        case .severalClaimants:
            logger.error(
                "several servers claim primary; an old primary not fenced still takes writes that bypass pgfloat",
                metadata: metadata)
        case .onlyClaimantSuperseded:
            var hinted = metadata
            hinted["hint"] = .string(
                "a primary on the newest timeline takes writes again; after restoring the cluster from a backup "
                    + "onto an older timeline, run `clear timeline` on the admin socket")
            logger.error(
                "the only server claiming primary is on a timeline older than the newest seen; routing writes to none",
                metadata: hinted)
        }
    }

    /// Slowstart weights change with time alone: recompute when the next one does.
    private func scheduleRamp(_ instant: MonotonicInstant?) {
        rampTimer?.cancel()
        rampTimer = nil
        guard let instant else { return }
        let delay = instant.since(Self.now())
        rampTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(max(delay.nanoseconds, 1_000_000)))) {
            [weak self] in
            self?.publishRouting()
        }
    }

    private func log(_ event: HealthEvent) {
        var metadata: Logger.Metadata = [
            "server": "\(event.server)", "why": "\(event.why)", "check_ms": "\(event.checkDuration.milliseconds)",
        ]
        switch event.change {
        case .reachability(let from, let to):
            metadata["from"] = "\(from.rawValue)"
            metadata["to"] = "\(to.rawValue)"
            if to == .up { logger.info("server state", metadata: metadata) } else {
                logger.warning("server state", metadata: metadata)
            }
        case .role(let from, let to):
            metadata["from"] = "\(from.rawValue)"
            metadata["to"] = "\(to.rawValue)"
            logger.notice("server role", metadata: metadata)
        case .agent(let from, let to):
            metadata["from"] = "\(from.map { "\($0)" } ?? "none")"
            metadata["to"] = "\(to.map { "\($0)" } ?? "none")"
            logger.notice("server agent", metadata: metadata)
        case .timeline(let from, let to):
            metadata["from"] = "\(from.map(String.init) ?? "unknown")"
            metadata["to"] = "\(to.map(String.init) ?? "unknown")"
            logger.info("server timeline", metadata: metadata)
        case .freshness(let listener, let from, let to):
            metadata["listener"] = "\(listener)"
            metadata["from"] = "\(from.rawValue)"
            metadata["to"] = "\(to.rawValue)"
            if to == .up { logger.info("replica freshness", metadata: metadata) } else {
                logger.warning("replica freshness", metadata: metadata)
            }
        case .divergence(let diverged):
            metadata["diverged"] = "\(diverged)"
            // Warning, not error: during every promotion replicas answer a timeline the elected primary is not on
            // until the new primary is confirmed.
            if diverged { logger.warning("replica diverged", metadata: metadata) } else {
                logger.notice("replica diverged", metadata: metadata)
            }
        case .inconclusive(let sqlState, let count):
            metadata["sqlstate"] = "\(sqlState ?? "none")"
            metadata["count"] = "\(count)"
            logger.warning("check inconclusive", metadata: metadata)
        case .maintenance(let paused):
            metadata["paused"] = "\(paused)"
            // Warning: while paused Patroni fails nothing over, so a primary that dies stays without successor.
            if paused { logger.warning("patroni maintenance", metadata: metadata) } else {
                logger.notice("patroni maintenance", metadata: metadata)
            }
        }
    }

    static func now() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds)
    }
}
