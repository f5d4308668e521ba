import AsyncHTTPClient
import ConfigModel
import Logging
import NIOCore
import ScriptRunner

/// Builds the probe a server's check settings ask for.
public enum HealthProbes {
    /// The probe for `server` with `settings`, running on `eventLoop`.
    ///
    /// - Parameters:
    ///   - server: The server to check; its address is the host every probe talks to.
    ///   - settings: The check settings, already resolved with `CheckSettings.forServer(_:)`.
    ///   - eventLoop: Where the probe's connections, timers and callbacks run.
    ///   - httpClient: The client every `patroni` probe shares, so each Patroni API keeps one pooled connection.
    ///     With nil, a `patroni` probe makes its own client and shuts it down with the probe.
    ///   - logger: Where probes log connection changes; never a password.
    ///   - launcher: Runs `external` check scripts (as `script_user`, with the security check, in the daemon).
    public static func make(
        server: ServerConfig, settings: CheckSettings, eventLoop: EventLoop, httpClient: HTTPClient?, logger: Logger,
        launcher: ScriptLauncher = .asDaemonUser
    ) -> HealthProbe {
        var logger = logger
        logger[metadataKey: "server"] = "\(server.name)"
        let host = server.address.host
        let port = settings.checkPort(for: server)
        switch settings.type {
        case .tcp:
            return TCPProbe(ProbeTarget(host: host, port: port, timeout: settings.timeout, eventLoop: eventLoop))
        case .pgHello:
            return PGHelloProbe(ProbeTarget(host: host, port: port, timeout: settings.timeout, eventLoop: eventLoop))
        case .pgsql:
            return PGSQLProbe(host: host, port: port, settings: settings, eventLoop: eventLoop, logger: logger)
        case .patroni:
            return PatroniProbe(
                host: host, port: port, settings: settings, eventLoop: eventLoop, httpClient: httpClient,
                logger: logger)
        case .agent:
            return AgentProbe(ProbeTarget(host: host, port: port, timeout: settings.timeout, eventLoop: eventLoop))
        case .external:
            return ExternalProbe(
                server: server, port: port, settings: settings, eventLoop: eventLoop, launcher: launcher)
        }
    }
}
