import AdminIO
import ArgumentParser
import ConfigModel
import Daemon
import Glibc
import LogWriter
import Logging
import Privileges

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run in the foreground, logging to stderr.",
        discussion: "SIGHUP reloads the configuration (a bad file is logged and the running one kept); SIGTERM "
            + "stops accepting and lets sessions finish for [global] shutdown_grace."
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    @Option(name: .long, help: "Log line format: text or json.")
    var logFormat: LogFormat = .text

    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// For tests that fill it: lines beyond it are dropped (and counted) while stderr does not take them.
    @Option(name: .long, help: .hidden)
    var logBufferBytes: Int = LogWriter.defaultCapacity

    /// For tests of the kernel relay's overrun guard: every grant this many bytes, however full the destination.
    @Option(name: .long, help: .hidden)
    var kernelRelayGrant: UInt64?

    func run() throws {
        // First, before the log writer's thread or the data plane's listeners exist: a SIGHUP or SIGTERM sent as
        // soon as a port accepts waits for the daemon's handlers instead of ending the process.
        ControlSignals.hold()
        let format = logFormat
        let level = logLevel
        let writer = LogWriter(fd: 2, capacity: max(logBufferBytes, LogWriter.minimumCapacity))
        StderrLogHandler.bootstrap(format: format, level: level, writer: writer)
        // However run() ends, the last lines (a fatal error's among them) reach stderr if it takes them in time.
        defer { writer.drain(timeout: .seconds(2)) }
        let logger = Logger(label: "pgfloat")
        let startConfig: PGFloatConfig
        do {
            // In a child process like every load, so that a toml++ assertion is a clear error rather than an
            // abort trace; before the switch to `user`, that child runs as root (it only reads stdin).
            startConfig = try ConfigFile.load(path: config)
        } catch let errors as ConfigErrors {
            for problem in errors.problems { logger.critical("\(problem)") }
            throw ExitCode(1)
        } catch let failure as ConfigParserFailure {
            logger.critical("\(failure.problem)")
            throw ExitCode(1)
        }
        // Before the privilege step: loading the kernel relay needs CAP_BPF, which pgfloat does not keep.
        let relay = RelayChoice.load(for: startConfig, fixedGrant: kernelRelayGrant)
        try dropPrivileges(global: startConfig.global, logger: logger)
        // Not before: the writer's thread would keep the capabilities the privilege step drops.
        writer.start()
        // Before the data plane opens its first socket; the limit is the process's, whoever raises it.
        DescriptorLimit.apply(for: startConfig, logger: logger)
        // Before the data plane, the checks and VRRP allocate: MCL_FUTURE covers them, MCL_CURRENT what is there.
        if startConfig.global.lockMemory { MemoryLock.apply(logger: logger) }
        relay.log(to: logger)
        let daemon: Daemon
        do {
            daemon = try Daemon(
                configPath: config, version: PGFloatVersion.current,
                metrics: MetricsExporter.bootstrapMetricsSystem(), logger: logger, logWriter: writer,
                logFormat: format, relay: relay)
        } catch let errors as ConfigErrors {
            for problem in errors.problems { logger.critical("\(problem)") }
            throw ExitCode(1)
        } catch let failure as ConfigParserFailure {
            logger.critical("\(failure.problem)")
            throw ExitCode(1)
        }
        daemon.run()
    }

    /// Before anything else, and before any thread exists (capabilities are per thread): clear what scripts could
    /// inherit and, as root with `[global] user`, become that user with CAP_NET_ADMIN, CAP_NET_RAW and
    /// CAP_NET_BIND_SERVICE only. Anything unexpected stops the start.
    private func dropPrivileges(global: GlobalSettings, logger: Logger) throws {
        do {
            let report = try Privileges.drop(user: global.user, group: global.group)
            switch report.plan {
            case .stayRoot:
                logger.notice("running as root; set [global] user to keep only the capabilities pgfloat needs")
            case .switchUser, .narrow:
                logger.info(
                    "privileges dropped",
                    metadata: [
                        "user": "\(report.user)", "kept": "\(report.kept)",
                        "bounding": "\(report.bounding.map { "\($0)" } ?? "unchanged")",
                    ])
            }
        } catch {
            logger.critical("cannot drop privileges: \(error)")
            throw ExitCode(1)
        }
        // Read again at start and on every reload, now as the new user.
        if let user = global.user, access(config, R_OK) != 0 {
            logger.critical(
                "\(config): not readable by user \(user); make it root:\(global.group ?? user), mode 0640")
            throw ExitCode(1)
        }
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
