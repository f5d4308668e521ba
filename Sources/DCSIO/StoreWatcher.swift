import AdminCore
import ConfigModel
import DCSCore
import HealthCore
import Logging
import MonotonicTime
import NIOCore

/// Follows Patroni's leader and member records in etcd and hands routing guidance to the health checks.
///
/// One watch per `[dcs]` configuration, on the checks' event loop: at every connect the keys are read, then
/// watched from the revision after the read, on the next endpoint after a failure, so no event is missed and no
/// state from before a loss is shown as current. All state lives on `eventLoop`; the public methods hop onto it.
public final class StoreWatcher: @unchecked Sendable {
    /// Called on the event loop with the guidance now in force, and the server to check at once (a new leader,
    /// or a leader whose member record changed), if any.
    public typealias GuidanceHandler = @Sendable (_ guidance: StoreGuidance?, _ recheck: String?) -> Void

    let eventLoop: EventLoop
    let logger: Logger
    let onGuidance: GuidanceHandler
    private var session: StoreSession?

    public init(eventLoop: EventLoop, logger: Logger, onGuidance: @escaping GuidanceHandler) {
        self.eventLoop = eventLoop
        self.logger = logger
        self.onGuidance = onGuidance
    }

    /// Starts, keeps or restarts the watch to match the configuration. A reload that changes only the servers
    /// keeps the watch and maps the members again.
    public func update(_ config: PGFloatConfig) {
        eventLoop.execute { self.apply(config) }
    }

    /// Stops the watch and closes its connections.
    public func stop() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let stopping = self.session?.stop() ?? self.eventLoop.makeSucceededVoidFuture()
            self.session = nil
            return stopping
        }
    }

    /// The store's state for the runtime API; nil without `[dcs]`.
    public func snapshot() -> EventLoopFuture<DCSStats?> {
        eventLoop.submit { self.session?.stats(at: Self.now()) }
    }

    private func apply(_ config: PGFloatConfig) {
        if let session, let dcs = config.dcs, session.client.config == dcs {
            session.remap(servers: config.servers)
            return
        }
        guard let dcs = config.dcs else {
            _ = session?.stop()
            if session != nil { onGuidance(nil, nil) }
            session = nil
            return
        }
        // The new watch is made before the running one stops: TLS files that cannot be loaded keep the old one.
        let next: StoreSession
        do {
            next = try StoreSession(config: dcs, servers: config.servers, watcher: self)
        } catch {
            let kept = session == nil ? "none" : "running watch"
            logger.error("dcs cannot start", metadata: ["why": "\(error)", "kept": "\(kept)"])
            return
        }
        _ = session?.stop()
        session = next
        next.start()
    }

    static func now() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds)
    }
}
