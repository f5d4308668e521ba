import ConfigModel
import HealthCore
import Logging
import NIOCore
import NIOPosix

/// Runs one health check per server on a control-plane event loop and reports up/down changes.
///
/// Every listener shares the result: a server is checked once per interval however many listeners use it.
/// All state lives on `eventLoop`; the public methods hop onto it.
public final class HealthChecker: @unchecked Sendable {
    /// Called on the checker's event loop when a server starts or stops being usable.
    public typealias AvailabilityHandler = @Sendable (_ server: String, _ available: Bool) -> Void

    private final class Target {
        var config: ServerConfig
        var counter: HealthCounter
        var task: RepeatedTask?

        init(config: ServerConfig, counter: HealthCounter) {
            self.config = config
            self.counter = counter
        }
    }

    private let eventLoop: EventLoop
    private let logger: Logger
    private let onAvailability: AvailabilityHandler
    private var settings = CheckSettings()
    private var targets: [String: Target] = [:]

    public init(eventLoop: EventLoop, logger: Logger, onAvailability: @escaping AvailabilityHandler) {
        self.eventLoop = eventLoop
        self.logger = logger
        self.onAvailability = onAvailability
    }

    /// Starts, keeps or stops checks to match the configuration. A server whose address and check settings did
    /// not change keeps its state, so a reload never flaps a healthy server.
    public func update(servers: [ServerConfig], check: CheckSettings) {
        eventLoop.execute { self.apply(servers: servers, check: check) }
    }

    /// Stops every check.
    public func stop() -> EventLoopFuture<Void> {
        eventLoop.submit {
            for target in self.targets.values { target.task?.cancel() }
            self.targets.removeAll()
        }
    }

    private func apply(servers: [ServerConfig], check: CheckSettings) {
        let checkChanged = check != settings
        settings = check
        let wanted = Set(servers.map(\.name))
        for (name, target) in targets where !wanted.contains(name) {
            target.task?.cancel()
            targets[name] = nil
        }
        for server in servers {
            if let target = targets[server.name], !checkChanged, target.config.address == server.address {
                target.config = server
                continue
            }
            targets[server.name]?.task?.cancel()
            let target = Target(config: server, counter: HealthCounter(rise: check.rise, fall: check.fall))
            targets[server.name] = target
            let loop = eventLoop
            target.task = loop.scheduleRepeatedAsyncTask(
                initialDelay: .zero, delay: .nanoseconds(check.interval.nanosecondsForNIO)
            ) { [weak self, weak target] _ in
                guard let self, let target else { return loop.makeSucceededVoidFuture() }
                return self.runCheck(target)
            }
        }
    }

    private func runCheck(_ target: Target) -> EventLoopFuture<Void> {
        let started = NIODeadline.now()
        let address = target.config.address
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(settings.timeout.nanosecondsForNIO))
            .connect(host: address.host, port: address.port)
            .flatMap { $0.close() }
            .map { nil as String? }
            .recover { "\($0)" }
            .map { error in self.record(target, error: error, duration: NIODeadline.now() - started) }
    }

    private func record(_ target: Target, error: String?, duration: TimeAmount) {
        guard targets[target.config.name] === target,
            let transition = target.counter.record(success: error == nil)
        else { return }
        let milliseconds = duration.nanoseconds / 1_000_000
        var metadata: Logger.Metadata = [
            "server": "\(target.config.name)", "from": "\(transition.from.rawValue)",
            "to": "\(transition.to.rawValue)", "check_ms": "\(milliseconds)",
        ]
        if let error { metadata["why"] = "\(error)" }
        if transition.to == .up {
            logger.info("server state", metadata: metadata)
        } else {
            logger.warning("server state", metadata: metadata)
        }
        onAvailability(target.config.name, transition.to == .up)
    }
}

extension Duration {
    /// Nanoseconds as the Int64 NIO's TimeAmount takes.
    var nanosecondsForNIO: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
