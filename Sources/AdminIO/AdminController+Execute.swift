import AdminCore
import HealthCore
import NIOCore

extension AdminController {
    /// Runs one command and returns its answer; fails with an `AdminCommandError` (a one-line message for the
    /// operator) or `DataPlaneStalled`.
    public func execute(_ command: AdminCommand) -> EventLoopFuture<String> {
        let withSessions: Bool
        if case .showSessions = command { withSessions = true } else { withSessions = false }
        return snapshot(withSessions: withSessions).flatMap { snapshot in
            if let output = AdminReport.output(for: command, snapshot: snapshot) {
                return self.eventLoop.makeSucceededFuture(output)
            }
            return self.change(command, snapshot: snapshot)
        }
    }

    /// The commands that change something: each is checked against the snapshot first, so a typo in a runbook
    /// fails loudly instead of doing nothing.
    private func change(_ command: AdminCommand, snapshot: StatsSnapshot) -> EventLoopFuture<String> {
        switch command {
        case .setServerState(let reference, let state):
            return administer(reference, in: snapshot, state: state, weight: nil)
        case .disableServer(let reference):
            return administer(reference, in: snapshot, state: .maint, weight: nil)
        case .enableServer(let reference):
            return administer(reference, in: snapshot, state: .ready, weight: nil)
        case .setServerWeight(let reference, let weight):
            return administer(reference, in: snapshot, state: nil, weight: weight)
        case .shutdownSessions(let reference):
            return rows(reference, in: snapshot).flatMap { _ in self.shutdownSessions(reference) }
        case .setVRRPState(let instance, let request):
            guard let vrrp, snapshot.vrrp.contains(where: { $0.name == instance }) else {
                return eventLoop.makeFailedFuture(AdminCommandError("No such VRRP instance."))
            }
            return ask { reply in vrrp.administer(instance: instance, backup: request == .backup, reply: reply) }
                .map { (_: Bool) in "" }
        case .clearTimeline:
            return checker.clearNewestPrimaryTimeline().hop(to: eventLoop).map { cleared in
                self.logger.notice(
                    "runtime API change", metadata: ["timeline": "cleared \(cleared.map(String.init) ?? "none")"])
                return cleared.map { "Newest primary timeline \($0) cleared.\n" } ?? "No primary timeline was known.\n"
            }
        case .help, .prompt, .quit, .showInfo, .showStat, .showServersState, .showServersRoles, .showSessions,
            .showVRRP, .showDCS:
            return eventLoop.makeSucceededFuture("")
        }
    }

    private func rows(_ reference: ServerReference, in snapshot: StatsSnapshot) -> EventLoopFuture<[ServerStats]> {
        eventLoop.makeCompletedFuture(resolve(reference, in: snapshot).mapError { $0 as Error })
    }

    private func administer(
        _ reference: ServerReference, in snapshot: StatsSnapshot, state: ServerAdministration.State?, weight: Int?
    ) -> EventLoopFuture<String> {
        rows(reference, in: snapshot).flatMap { rows in
            let pairs = rows.map { ListenerServer(listener: $0.listener, server: $0.name) }
            self.logger.notice(
                "runtime API change",
                metadata: [
                    "servers": "\(pairs.map { "\($0.listener)/\($0.server)" }.joined(separator: ","))",
                    "state": "\(state?.rawValue ?? "-")", "weight": "\(weight.map(String.init) ?? "-")",
                ])
            return self.checker.administer(pairs, state: state, weight: weight).hop(to: self.eventLoop).map { "" }
        }
    }

    private func shutdownSessions(_ reference: ServerReference) -> EventLoopFuture<String> {
        ask { reply in
            self.dataPlane.shutdownSessions(listener: reference.listener, server: reference.server, reply: reply)
        }.map { (_: Int) in "" }
    }
}
