import HealthCore
import MonotonicTime
import NIOCore

extension HealthChecker {
    /// Takes what the store says now (nil: route by the checks alone) and checks `recheck` at once unless it is
    /// already the confirmed primary: a new leader is confirmed by one check, not `rise` of them, so writes follow
    /// Patroni's promotion within one round trip. Patroni rewrites its record every loop; a confirmed leader's
    /// rewrites cost no extra check.
    public func follow(store guidance: StoreGuidance?, recheck server: String?) {
        eventLoop.execute {
            self.view.follow(store: guidance, at: Self.now())
            if let server, !self.view.isConfirmedLeader(server), let target = self.targets[server], !target.running {
                self.schedule(target, in: .zero)
            }
            self.publishRouting()
            self.reviewDisagreements()
        }
    }

    /// Logs and counts each new disagreement between the leader key and the checks. Patroni takes the key before
    /// it promotes, so for one check interval after the key moves a replica answer is the promotion under way,
    /// not a disagreement.
    func reviewDisagreements() {
        guard let since = view.leaderSince, Self.now().since(since) >= check.interval else { return }
        let current = view.storeDisagreements()
        for disagreement in current.subtracting(disagreements).sorted(by: { $0.description < $1.description }) {
            storeDisagreements += 1
            logger.warning(
                "dcs disagreement",
                metadata: [
                    "server": "\(disagreement.server)", "leader": "\(disagreement.leader)",
                    "why": "\(disagreement.description)",
                    "action": "no writes to servers the store and the checks disagree on",
                ])
        }
        disagreements = current
    }
}
