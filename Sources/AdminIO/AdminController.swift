import AdminCore
import ConfigModel
import DCSIO
import Foundation
import HealthCore
import HealthIO
import LogWriter
import Logging
import MonotonicTime
import NIOConcurrencyHelpers
import NIOCore
import ProxyIO
import VRRPService

/// What the runtime API, the stats page and the metrics act on: gathers snapshots from the data plane and the
/// checks, and turns operators' commands into calls on them.
///
/// Lives on the admin event loop; the data plane answers on its own thread and the checker on its loop, and
/// both answers are brought back here, so a slow or stuck part shows up as a timeout rather than a hang.
public final class AdminController: Sendable {
    /// How long the data plane has to answer before it counts as stalled.
    public static let dataPlaneTimeout = TimeAmount.seconds(1)

    public let eventLoop: EventLoop
    let dataPlane: DataPlane
    let checker: HealthChecker
    let vrrp: VRRPService?
    let store: StoreWatcher
    let logger: Logger
    let version: String
    /// Stderr's writer, for the count of log lines it dropped.
    let logWriter: LogWriter
    private let startedAt = NIODeadline.now()
    private let state: NIOLockedValueBox<PGFloatConfig>
    private let reloadFailures = NIOLockedValueBox(0)

    public init(
        eventLoop: EventLoop, config: PGFloatConfig, dataPlane: DataPlane, checker: HealthChecker,
        vrrp: VRRPService?, store: StoreWatcher, version: String, logWriter: LogWriter, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.logWriter = logWriter
        self.vrrp = vrrp
        self.store = store
        self.version = version
        self.dataPlane = dataPlane
        self.checker = checker
        self.logger = logger
        self.state = NIOLockedValueBox(config)
    }

    /// Takes a reloaded configuration: listener and server rows follow it.
    public func configure(_ config: PGFloatConfig) {
        state.withLockedValue { $0 = config }
    }

    var config: PGFloatConfig { state.withLockedValue { $0 } }

    /// A reload failed and the running configuration was kept: counted in `show info` and the metrics.
    public func countReloadFailure() {
        reloadFailures.withLockedValue { $0 += 1 }
    }

    /// Everything the reports show, now; session rows only when asked for (`show sessions`).
    public func snapshot(withSessions: Bool = false) -> EventLoopFuture<StatsSnapshot> {
        let config = self.config
        let uptime = Duration.nanoseconds(Int64((NIODeadline.now() - startedAt).nanoseconds))
        return trafficSnapshot(withSessions: withSessions).and(checker.report().hop(to: eventLoop)).and(vrrpSnapshot())
            .and(store.snapshot().hop(to: eventLoop)).map { parts, dcs in
                StatsAssembler.snapshot(
                    config: config, traffic: parts.0.0, health: parts.0.1,
                    process: .init(
                        version: self.version, pid: getpid(), node: ProcessInfo.processInfo.hostName,
                        uptime: uptime, logLinesDropped: self.logWriter.droppedLines,
                        reloadFailures: self.reloadFailures.withLockedValue { $0 }),
                    vrrp: parts.1, dcs: dcs)
            }
    }

    /// The data plane's counters; fails with `DataPlaneStalled` when its thread does not answer in time.
    func trafficSnapshot(withSessions: Bool = false) -> EventLoopFuture<DataPlaneSnapshot> {
        let rows = withSessions ? DataPlane.sessionRowsLimit : 0
        return ask { reply in self.dataPlane.snapshot(sessionRows: rows, reply) }
    }

    /// The VRRP instances; none when VRRP is not configured.
    func vrrpSnapshot() -> EventLoopFuture<[VRRPInstanceStats]> {
        guard let vrrp else { return eventLoop.makeSucceededFuture([]) }
        return ask { reply in vrrp.snapshot(reply) }
    }

    /// Posts a request to another thread (the data plane, VRRP) and waits for its reply on this loop, at most
    /// `dataPlaneTimeout`.
    func ask<Reply: Sendable>(
        _ ask: (@escaping @Sendable (Reply) -> Void) -> Void
    ) -> EventLoopFuture<Reply> {
        let promise = eventLoop.makePromise(of: Reply.self)
        let timeout = eventLoop.scheduleTask(in: Self.dataPlaneTimeout) { promise.fail(DataPlaneStalled()) }
        ask { reply in
            timeout.cancel()
            promise.succeed(reply)
        }
        return promise.futureResult
    }
}

/// The data plane did not answer within ``AdminController/dataPlaneTimeout``.
public struct DataPlaneStalled: Error, CustomStringConvertible {
    public var description: String { "the data plane did not answer within 1 s" }
}
