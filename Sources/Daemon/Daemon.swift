import AdminIO
import ConfigModel
import DCSIO
import Dispatch
import Foundation
import HealthIO
import LogWriter
import Logging
import NIOCore
import NIOPosix
import ProxyIO
import SystemdNotify
import VRRPService

/// The composition root: builds the data plane and the health checks from a configuration, and turns signals
/// into reloads and a graceful stop.
public final class Daemon: @unchecked Sendable {
    private let configPath: String
    private let logger: Logger
    private var config: PGFloatConfig
    private var bindings = ListenerBindings()
    private let dataPlane: DataPlane
    private let checkLoop: MultiThreadedEventLoopGroup
    private let checker: HealthChecker
    /// Follows Patroni's leader in `[dcs]`, on the checks' loop; idle without `[dcs]`.
    private let store: StoreWatcher
    /// The runtime API and the stats endpoint, on a loop of their own so that operators' tools and scrapers
    /// never delay a health check.
    private let adminLoop: MultiThreadedEventLoopGroup
    private let admin: AdminController
    private let adminSocket: AdminSocketServer?
    private let statsServer: StatsHTTPServer?
    /// The `[[vrrp]]` instances on their own thread; nil when none is configured.
    private let vrrp: VRRPService?
    private let hooks: VRRPHooks?
    /// The `[[vrrp]]` instances as VRRP runs them: reloads change what an instance can take in place, and only
    /// what the VRRP thread confirmed it took lands here.
    private var vrrpRunning: [VRRPConfig]
    /// Settings handed to the VRRP thread whose answer did not come in time: they may run, so the stop bound and
    /// the held-VIPs list count them too, until a later reload is confirmed.
    private var vrrpUnconfirmed: [VRRPConfig] = []
    /// ``VRRPService/HeldVIPsFile`` under systemd's `RuntimeDirectory=`, for `release-vips`; nil outside a unit.
    private let heldVIPsPath = HeldVIPsFile.defaultPath()
    /// Reloads and the shutdown run one at a time on this queue, the only place the signal handlers act.
    private let controlQueue = DispatchQueue(label: "pgfloat.control")
    private var signalSources: [DispatchSourceSignal] = []
    /// Set by ``run()`` before the signal handlers exist: a VRRP thread never started (a stop held since the
    /// start) has nothing to release. A reload never meets one: SIGHUP is ignored from that stop on.
    private var vrrpStarted = false
    /// From the first SIGTERM or SIGINT on (or a stop held since the start); read and written on `controlQueue`
    /// once the handlers exist.
    private var draining = false
    /// READY/RELOADING/STOPPING/STATUS for systemd; does nothing outside systemd.
    private let systemd: SystemdLink
    private var watchdog: Watchdog?  // set once, at the end of init

    /// Loads the configuration, resolves servers and binds every listener, the admin socket and the stats
    /// endpoint. Throws `ConfigErrors` (with lines), or why a socket could not be bound, before anything is
    /// served. Session lines go to `logWriter` (stderr's) in `logFormat`, when `logger`'s level lets `info` through.
    public init(
        configPath: String, version: String, metrics: MetricsExporter, logger: Logger, logWriter: LogWriter,
        logFormat: LogFormat, relay: RelayChoice
    ) throws {
        self.configPath = configPath
        self.logger = logger
        let systemd = SystemdLink(environment: ProcessInfo.processInfo.environment, logger: logger)
        self.systemd = systemd
        let config = try ConfigFile.load(path: configPath)
        self.config = config
        let servers = try ConfigFile.resolveServers(config)
        let bound = try bindings.bind(config, logger: logger)
        bindings.commit(bound)
        let listeners = bound.listeners
        dataPlane = try DataPlane(
            settings: Self.settings(config, servers, listeners), logger: logger,
            sessionLog: SessionLogOutput(writer: logWriter, format: logFormat, level: logger.logLevel),
            kernelRelay: relay.kernelRelay, relayFallbackReason: relay.fallbackReason)
        checkLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plane = dataPlane
        // After dropping to `user` there is no CAP_SETUID: scripts run as the daemon's user (the config allows
        // script_user only when it equals user).
        let launcher = try VRRPHooks.launcher(scriptUser: config.global.user == nil ? config.global.scriptUser : nil)
        let hooks = try config.vrrp.isEmpty ? nil : VRRPHooks(configs: config.vrrp, launcher: launcher, logger: logger)
        self.hooks = hooks
        // Before the data plane's thread runs, its count can be read here.
        let outsideDataPlane = max(0, (DescriptorLimit.openCount() ?? 0) - dataPlane.descriptorsHeld)
        vrrpRunning = config.vrrp
        let vrrp = try hooks.map { hooks in
            try VRRPService(
                instances: config.vrrp, heartbeat: { reply in plane.ping(reply) },
                descriptorsOutsideDataPlane: outsideDataPlane,
                notifier: { [notifier = hooks.notifier] instance, from, to, priority in
                    notifier(instance, from, to, priority)
                    systemd.vrrpChanged(instance: instance.name, state: "\(to)".uppercased())
                }, logger: logger)
        }
        self.vrrp = vrrp
        if let hooks, let vrrp { try hooks.startTrackScripts(of: config.vrrp, reportingTo: vrrp) }
        // The newest primary timeline outlives the process: a restart must not let an old primary take writes.
        let timelineFile = NewestTimelineFile(path: NewestTimelineFile.defaultPath())
        checker = HealthChecker(
            eventLoop: checkLoop.next(), logger: logger, launcher: launcher, timelineFile: timelineFile
        ) { table in
            plane.setRouting(table)
            vrrp?.setBackendsReachable(table.eligible.values.contains { !$0.isEmpty })
        }
        let checker = self.checker
        store = StoreWatcher(eventLoop: checker.eventLoop, logger: logger) { guidance, recheck in
            checker.follow(store: guidance, recheck: recheck)
        }
        adminLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let admin = AdminController(
            eventLoop: adminLoop.next(), config: config, dataPlane: dataPlane, checker: checker, vrrp: vrrp,
            store: store, version: version, logWriter: logWriter, logger: logger)
        self.admin = admin
        adminSocket = try config.global.adminSocket.map { path in
            try AdminSocketServer.start(
                path: path, group: config.global.adminGroup, controller: admin, logger: logger
            ).wait()
        }
        statsServer = try config.global.statsBind.map { bind in
            let routes = StatsRoutes(
                controller: admin, metrics: metrics, auth: try config.global.statsAuthFile.map(BasicAuth.init),
                allowAdmin: config.global.statsAdmin, refresh: config.global.statsRefresh)
            return try StatsHTTPServer.start(
                host: bind.host, port: bind.port, routes: routes, eventLoop: admin.eventLoop, logger: logger
            ).wait()
        }
        watchdog = makeWatchdog()
        recordHeldVIPs(config.vrrp)
    }

    private static func settings(
        _ config: PGFloatConfig, _ servers: [DataPlaneSettings.Server], _ listeners: [DataPlaneSettings.Listener]
    ) -> DataPlaneSettings {
        DataPlaneSettings(
            defaults: config.defaults, logSessions: config.global.logSessions, servers: servers,
            listeners: listeners, relayHandoffAge: config.global.relayHandoffAge)
    }

    /// Serves until SIGTERM or SIGINT has drained the sessions. Blocks the calling thread, which must be the one
    /// that called ``ControlSignals/hold()``.
    public func run() {
        checker.update(config)
        store.update(config)
        let finished = DispatchSemaphore(value: 0)
        let plane = dataPlane
        let thread = Thread {
            plane.run()
            finished.signal()
        }
        thread.name = "pgfloat-data"
        thread.start()
        // A node told to stop while it started does not take a VIP from the running master only to hand it back.
        if ControlSignals.stopPending() {
            draining = true
            let vrrpState = vrrp == nil ? "none" : "not started"
            logger.notice("stop requested during the start: draining", metadata: ["vrrp": "\(vrrpState)"])
            // Still READY=1, as a message of its own before STOPPING=1: a Type=notify unit whose process exits
            // before it is ready counts as failed, and Restart=on-failure would start the node again.
            systemd.ready(listeners: config.listeners.count)
        } else {
            vrrpStarted = vrrp != nil
            vrrp?.start(realtimePriority: config.global.vrrpRTPriority)
            let binds = config.listeners.flatMap(\.binds).map(\.description).joined(separator: ",")
            logger.info(
                "ready",
                metadata: [
                    "listeners": "\(config.listeners.count)", "binds": "\(binds)", "vrrp": "\(config.vrrp.count)",
                ])
            systemd.ready(listeners: config.listeners.count)
            watchdog?.start()
        }
        // Last, so that the handlers (and a signal held since the start) find everything above done: a reload
        // replaces `config`, which this thread no longer reads, and a drain stops a watchdog already started.
        installSignalHandlers()
        finished.wait()
        // notify_stop and the other hooks still queued get a moment to run.
        hooks?.stop(wait: .seconds(5))
        try? adminSocket?.stop().wait()
        try? statsServer?.stop().wait()
        try? adminLoop.syncShutdownGracefully()
        try? store.stop().wait()
        try? checker.stop().wait()
        try? checkLoop.syncShutdownGracefully()
        logger.info("stopped")
    }

    /// With `WatchdogSec=`, pings systemd while the data plane, both event loops and the VRRP thread answer.
    private func makeWatchdog() -> Watchdog? {
        guard systemd.notifier != nil,
            let settings = WatchdogSettings(environment: ProcessInfo.processInfo.environment, pid: getpid())
        else { return nil }
        let plane = dataPlane
        let checks = checkLoop.next()
        let admin = adminLoop.next()
        var parts: [(name: String, probe: Watchdog.Probe)] = [
            ("data plane", { reply in plane.ping { _ in reply() } }),
            ("health checks", { reply in checks.execute(reply) }),
            ("admin", { reply in admin.execute(reply) }),
        ]
        if let vrrp { parts.append(("vrrp", { reply in vrrp.snapshot { _ in reply() } })) }
        return Watchdog(parts: parts, settings: settings, link: systemd, logger: logger)
    }

    /// A signal held by ``ControlSignals/hold()`` since the start is read by its source once libdispatch has
    /// registered it, and acted on. No SIG_IGN here: it would discard a signal already pending.
    private func installSignalHandlers() {
        for signalNumber in ControlSignals.numbers {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: controlQueue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if signalNumber == SIGHUP {
                    // A reload while draining would bind listeners only to close them, and delay the drain by
                    // a parse; a SIGHUP held with a SIGTERM since the start may come first.
                    if self.draining {
                        self.logger.notice("SIGHUP ignored while draining")
                    } else {
                        self.reload()
                    }
                } else {
                    self.draining = true
                    self.logger.info("signal received, draining", metadata: ["signal": "\(signalNumber)"])
                    self.watchdog?.stop()
                    self.systemd.stopping()
                    self.releaseVIPs()
                    self.dataPlane.shutdown(grace: self.config.global.shutdownGrace)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// The VIPs go first, and the listeners keep accepting meanwhile: each master sends priority 0 so that a peer
    /// takes over after its skew time, and keeps its VIP until the new master announced it, so that a SYN still sent
    /// to this node's MAC is served. Waits for that at most the longest Master_Down_Interval (plus a margin, for a
    /// VRRP thread that does not answer); the sessions drain afterwards.
    private func releaseVIPs() {
        guard let vrrp, vrrpStarted else { return }
        let released = DispatchSemaphore(value: 0)
        vrrp.stop { released.signal() }
        // The running instances, not the file: a restart-only change keeps the interval the instance runs with.
        let longest = (vrrpRunning + vrrpUnconfirmed).map(\.advertInterval).max() ?? .zero
        let bound = longest * 4 + .seconds(1)
        if released.wait(for: bound) == .timedOut {
            logger.warning("VRRP did not stop in time; draining anyway", metadata: ["waited": "\(bound)"])
        }
    }

    /// The admin socket and the stats endpoint are bound once; a reload that changes them says so rather than
    /// leaving the operator to wonder.
    private func warnAboutRestartOnlySettings(_ next: PGFloatConfig) {
        let before = config.global
        let after = next.global
        if before.adminSocket != after.adminSocket || before.adminGroup != after.adminGroup
            || before.statsBind != after.statsBind || before.statsAuthFile != after.statsAuthFile
            || before.statsAdmin != after.statsAdmin || before.statsRefresh != after.statsRefresh
        {
            logger.warning("admin socket and stats settings change on restart only; keeping the running ones")
        }
        if before.scriptUser != after.scriptUser {
            logger.warning("script_user changes on restart only; scripts keep the running user")
        }
        if before.user != after.user || before.group != after.group {
            logger.warning("user and group change on restart only; the daemon keeps its running user")
        }
        if before.relay != after.relay {
            logger.warning("relay changes on restart only (loading the kernel relay needs CAP_BPF, dropped at start)")
        }
    }

    /// Hands VRRP the `[[vrrp]]` changes its running instances can take in place (priority, preempt, intervals,
    /// addresses, tracking) and says which changes wait for a restart (`VRRPConfig.restartOnlyChanges`, added and
    /// removed instances). `vrrpRunning` takes only what the VRRP thread says it took (an instance can still refuse,
    /// `VirtualRouter.canReconfigure`); its answer is waited for here, on the control queue, for at most
    /// `reconfigureAnswerBound` (the VRRP thread never blocks, so it answers in microseconds).
    private func applyVRRP(_ next: [VRRPConfig]) {
        guard next != vrrpRunning else { return }
        var offered: [VRRPConfig] = []
        for instance in next {
            guard let running = vrrpRunning.first(where: { $0.name == instance.name }) else {
                logger.warning("a new [[vrrp]] instance starts on restart only", metadata: ["instance": "\(instance.name)"])
                continue
            }
            let keys = running.restartOnlyChanges(to: instance)
            if keys.isEmpty {
                if instance != running { offered.append(instance) }
            } else {
                logger.warning(
                    "[[vrrp]] changes on restart only; the instance keeps its running settings",
                    metadata: ["instance": "\(instance.name)", "keys": "\(keys.joined(separator: ","))"])
            }
        }
        for instance in vrrpRunning where !next.contains(where: { $0.name == instance.name }) {
            logger.warning("a removed [[vrrp]] instance stops on restart only", metadata: ["instance": "\(instance.name)"])
        }
        guard let vrrp, !offered.isEmpty else { return }
        // Before the VRRP thread adds a VIP, release-vips must know it may be held; the old ones stay listed
        // until the thread has taken the new list (it removes them as it does).
        recordHeldVIPs(vrrpRunning + vrrpUnconfirmed + offered)
        let answer = ReconfigureAnswer()
        vrrp.reconfigure(offered) { accepted in answer.give(accepted) }
        guard let accepted = answer.wait(Self.reconfigureAnswerBound) else {
            logger.error(
                "VRRP did not confirm the reload in time; its settings count as possibly running",
                metadata: ["waited": "\(Self.reconfigureAnswerBound)"])
            vrrpUnconfirmed += offered
            return
        }
        vrrpUnconfirmed = []
        for instance in offered where accepted.contains(instance.name) {
            if let index = vrrpRunning.firstIndex(where: { $0.name == instance.name }) { vrrpRunning[index] = instance }
        }
        recordHeldVIPs(vrrpRunning)
    }

    /// How long a reload waits for the VRRP thread to say which instances took their new settings.
    static let reconfigureAnswerBound = Duration.seconds(2)

    /// Writes the VIPs VRRP may hold for `release-vips` (a small local file, on the control queue). A failure is
    /// logged: release-vips then still has the configuration.
    private func recordHeldVIPs(_ instances: [VRRPConfig]) {
        guard let heldVIPsPath else { return }
        var seen: Set<HeldVIPsFile.Entry> = []
        let entries = HeldVIPsFile.entries(of: instances).filter { seen.insert($0).inserted }
        do {
            try HeldVIPsFile.write(entries, to: heldVIPsPath)
        } catch {
            logger.warning(
                "cannot record the held VIPs; release-vips will know the configuration's only",
                metadata: ["file": "\(heldVIPsPath)", "why": "\(error)"])
        }
    }

    /// Re-reads the file and applies it all or not at all: a file that does not parse, a server that does not
    /// resolve or a listener that cannot be bound is logged and counted (`ReloadFailures`), and the running
    /// configuration (listeners, servers, VRRP) stays as it was. VRRP is not faulted: the running listeners still
    /// serve, and the same file pushed to every node would otherwise fault them all.
    ///
    /// Runs on `controlQueue`, never on an event loop: the parser's child is waited for here, up to
    /// ``IsolatedConfigParser/defaultTimeout``, while the data plane, the loops and VRRP go on serving.
    private func reload() {
        logger.info("reloading", metadata: ["file": "\(configPath)"])
        systemd.reloading()
        var applied = false
        defer {
            if !applied { admin.countReloadFailure() }
            systemd.reloaded(listeners: config.listeners.count, applied: applied)
        }
        do {
            let next = try ConfigFile.load(path: configPath)
            let servers = try ConfigFile.resolveServers(next)
            // Binding is the last step that can fail; from the commit on, the new configuration is applied.
            let bound = try bindings.bind(next, logger: logger)
            bindings.commit(bound)
            warnAboutRestartOnlySettings(next)
            config = next
            dataPlane.post(settings: Self.settings(next, servers, bound.listeners))
            checker.update(next)
            store.update(next)
            admin.configure(next)
            applyVRRP(next.vrrp)
            logger.info("reload applied", metadata: ["listeners": "\(next.listeners.count)"])
            applied = true
        } catch let errors as ConfigErrors {
            for problem in errors.problems {
                logger.error("reload failed", metadata: ["why": "\(problem)"])
            }
        } catch let failure as ConfigParserFailure {
            logger.error(
                "reload failed: \(failure.summary)",
                metadata: failure.metadata.mapValues { .string($0) })
        } catch {
            logger.error("reload failed", metadata: ["why": "\(error)"])
        }
    }
}
