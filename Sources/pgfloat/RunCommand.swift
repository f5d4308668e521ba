import AdminIO
import ArgumentParser
import ConfigModel
import Daemon
import Logging

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

    func run() throws {
        let format = logFormat
        let level = logLevel
        LoggingSystem.bootstrap { _ in StderrLogHandler(format: format, level: level) }
        let logger = Logger(label: "pgfloat")
        let daemon: Daemon
        do {
            daemon = try Daemon(
                configPath: config, version: PGFloatVersion.current,
                metrics: MetricsExporter.bootstrapMetricsSystem(), logger: logger)
        } catch let errors as ConfigErrors {
            for problem in errors.problems { logger.critical("\(problem)") }
            throw ExitCode(1)
        }
        daemon.run()
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
