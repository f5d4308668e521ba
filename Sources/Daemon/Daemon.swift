import AdminIO
import ConfigModel
import Dispatch
import Foundation
import HealthIO
import Logging
import NIOCore
import NIOPosix
import ProxyIO

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
    /// The runtime API and the stats endpoint, on a loop of their own so that operators' tools and scrapers
    /// never delay a health check.
    private let adminLoop: MultiThreadedEventLoopGroup
    private let admin: AdminController
    private let adminSocket: AdminSocketServer?
    private let statsServer: StatsHTTPServer?
    /// Reloads and the shutdown run one at a time on this queue, the only place the signal handlers act.
    private let controlQueue = DispatchQueue(label: "pgfloat.control")
    private var signalSources: [DispatchSourceSignal] = []

    /// Loads the configuration, resolves servers and binds every listener, the admin socket and the stats
    /// endpoint. Throws `ConfigErrors` (with lines), or why a socket could not be bound, before anything is
    /// served.
    public init(configPath: String, version: String, metrics: MetricsExporter, logger: Logger) throws {
        self.configPath = configPath
        self.logger = logger
        let config = try ConfigFile.load(path: configPath)
        self.config = config
        let servers = try ConfigFile.resolveServers(config)
        let listeners = try bindings.bind(config, logger: logger)
        dataPlane = try DataPlane(settings: Self.settings(config, servers, listeners), logger: logger)
        checkLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plane = dataPlane
        checker = HealthChecker(eventLoop: checkLoop.next(), logger: logger) { table in
            plane.setRouting(table)
        }
        adminLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let admin = AdminController(
            eventLoop: adminLoop.next(), config: config, dataPlane: dataPlane, checker: checker, version: version,
            logger: logger)
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
    }

    private static func settings(
        _ config: PGFloatConfig, _ servers: [DataPlaneSettings.Server], _ listeners: [DataPlaneSettings.Listener]
    ) -> DataPlaneSettings {
        DataPlaneSettings(
            defaults: config.defaults, logSessions: config.global.logSessions, servers: servers,
            listeners: listeners)
    }

    /// Serves until SIGTERM or SIGINT has drained the sessions. Blocks the calling thread.
    public func run() {
        installSignalHandlers()
        checker.update(config)
        let finished = DispatchSemaphore(value: 0)
        let plane = dataPlane
        let thread = Thread {
            plane.run()
            finished.signal()
        }
        thread.name = "pgfloat-data"
        thread.start()
        let binds = config.listeners.flatMap(\.binds).map(\.description).joined(separator: ",")
        logger.info("ready", metadata: ["listeners": "\(config.listeners.count)", "binds": "\(binds)"])
        finished.wait()
        try? adminSocket?.stop().wait()
        try? statsServer?.stop().wait()
        try? adminLoop.syncShutdownGracefully()
        try? checker.stop().wait()
        try? checkLoop.syncShutdownGracefully()
        logger.info("stopped")
    }

    private func installSignalHandlers() {
        for signalNumber in [SIGHUP, SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: controlQueue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if signalNumber == SIGHUP {
                    self.reload()
                } else {
                    self.logger.info("signal received, draining", metadata: ["signal": "\(signalNumber)"])
                    self.dataPlane.shutdown(grace: self.config.global.shutdownGrace)
                }
            }
            source.resume()
            signalSources.append(source)
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
    }

    /// Re-reads the file; a bad file is logged and the running configuration kept.
    private func reload() {
        logger.info("reloading", metadata: ["file": "\(configPath)"])
        do {
            let next = try ConfigFile.load(path: configPath)
            let servers = try ConfigFile.resolveServers(next)
            let listeners = try bindings.bind(next, logger: logger)
            warnAboutRestartOnlySettings(next)
            config = next
            dataPlane.post(settings: Self.settings(next, servers, listeners))
            checker.update(next)
            admin.configure(next)
            logger.info("reload applied", metadata: ["listeners": "\(next.listeners.count)"])
        } catch let errors as ConfigErrors {
            for problem in errors.problems {
                logger.error("reload failed", metadata: ["why": "\(problem)"])
            }
        } catch {
            logger.error("reload failed", metadata: ["why": "\(error)"])
        }
    }
}
