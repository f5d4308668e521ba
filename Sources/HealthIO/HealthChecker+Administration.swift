import HealthCore
import MonotonicTime
import NIOCore

/// The health view at one moment, for the runtime API, the stats page and the metrics.
public struct HealthReport: Sendable {
    public var view: ClusterView
    /// The last routing table handed to the data plane; nil before the first.
    public var routing: RoutingTable?
    /// Check rounds that found a split brain since start.
    public var splitBrainEvents: Int
    /// Times the checks contradicted the store's leader key since start.
    public var storeDisagreements: Int
    /// Failed writes of the newest primary timeline's state file since start.
    public var timelineWriteFailures: Int = 0
    /// When the report was taken, on the clock the view's instants use.
    public var takenAt: MonotonicInstant
}

extension HealthChecker {
    /// The health view now.
    public func report() -> EventLoopFuture<HealthReport> {
        eventLoop.submit {
            HealthReport(
                view: self.view, routing: self.routing, splitBrainEvents: self.splitBrainEvents,
                storeDisagreements: self.storeDisagreements, timelineWriteFailures: self.timelineSync.failures,
                takenAt: Self.now())
        }
    }

    /// Applies an operator's `set server` to each pair: a new admin state, a runtime weight, or both. Routing is
    /// republished at once; a server leaving maintenance is checked at once, since its health is stale.
    public func administer(
        _ pairs: [ListenerServer], state: ServerAdministration.State? = nil, weight: Int? = nil
    ) -> EventLoopFuture<Void> {
        eventLoop.submit {
            let paused = { (name: String) in self.view.checksPaused(for: name, listeners: self.listeners) }
            let pausedBefore = Set(self.targets.keys.filter(paused))
            for pair in pairs {
                if let state { self.view.setAdminState(state, of: pair.server, in: pair.listener) }
                if let weight { self.view.setWeight(weight, of: pair.server, in: pair.listener) }
            }
            for name in pausedBefore where !paused(name) {
                guard let target = self.targets[name], !target.running else { continue }
                self.schedule(target, in: .zero)
            }
            self.publishRouting()
        }
    }

    /// Forgets the newest primary timeline (the operator's `clear timeline`, for a cluster restored from a
    /// backup onto an older timeline), in its state file too, and republishes routing; returns what was forgotten.
    public func clearNewestPrimaryTimeline() -> EventLoopFuture<Int?> {
        eventLoop.submit {
            let cleared = self.view.clearNewestPrimaryTimeline()
            self.logger.notice(
                "newest primary timeline cleared",
                metadata: ["from": "\(cleared.map(String.init) ?? "none")", "why": "runtime API clear timeline"])
            self.keepNewestTimeline()
            self.publishRouting()
            return cleared
        }
    }
}
