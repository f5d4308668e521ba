import Foundation
import Glibc
import Logging
import SystemdNotify

/// What the daemon tells systemd (`Type=notify`): READY=1 once listeners, admin socket and VRRP are up,
/// RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM, and a STATUS= line that
/// `systemctl status` shows ("serving 2 listeners; VRRP VI_1 MASTER").
///
/// Without `$NOTIFY_SOCKET` (not started by systemd) every call does nothing. Thread-safe: everything runs on
/// one serial queue, in call order. VRRP transitions arrive on the VRRP thread and are queued without waiting (a
/// slow service manager must never delay an advert); the others wait for their message to go out, so STOPPING=1
/// leaves before the process exits.
final class SystemdLink: @unchecked Sendable {
    let notifier: SystemdNotifier?
    private let logger: Logger
    private let queue = DispatchQueue(label: "pgfloat.systemd")
    private var isReady = false
    private var listeners = 0
    private var lastReloadFailed = false
    private var vrrpStates: [(name: String, state: String)] = []
    private var lastStatus = ""
    private var reportedSendFailure = false

    init(environment: [String: String], logger: Logger) {
        notifier = SystemdNotifier(environment: environment)
        self.logger = logger
        if notifier == nil, let value = environment["NOTIFY_SOCKET"] {
            logger.warning("NOTIFY_SOCKET is not an address pgfloat can use", metadata: ["value": "\(value)"])
        }
    }

    /// Start-up is done: READY=1 with the first status.
    func ready(listeners: Int) {
        queue.sync {
            self.listeners = listeners
            isReady = true
            send(.ready.adding(.status(statusLine())))
        }
    }

    /// A SIGHUP reload begins.
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        queue.sync { send(.reloading(monotonicMicroseconds: microseconds).adding(.status("reloading"))) }
    }

    /// A reload ended, applied or not: READY=1 again, whatever the outcome, since the daemon still serves.
    func reloaded(listeners: Int, applied: Bool) {
        queue.sync {
            self.listeners = listeners
            lastReloadFailed = !applied
            send(.ready.adding(.status(statusLine())))
        }
    }

    /// SIGTERM or SIGINT: the sessions drain for at most `shutdown_grace`.
    func stopping() {
        queue.sync {
            isReady = false
            send(.stopping.adding(.status("stopping: draining sessions")))
        }
    }

    /// A VRRP instance changed state; the status line follows once the daemon is ready.
    func vrrpChanged(instance: String, state: String) {
        queue.async { [self] in
            if let index = vrrpStates.firstIndex(where: { $0.name == instance }) {
                vrrpStates[index].state = state
            } else {
                vrrpStates.append((instance, state))
            }
            guard isReady else { return }
            let line = statusLine()
            if line != lastStatus { send(.status(line)) }
        }
    }

    /// WATCHDOG=1.
    func ping() {
        queue.sync { send(.watchdog) }
    }

    /// Called on `queue`.
    private func statusLine() -> String {
        var parts = ["serving \(listeners) listener\(listeners == 1 ? "" : "s")"]
        if lastReloadFailed { parts.append("last reload failed") }
        if !vrrpStates.isEmpty {
            parts.append("VRRP " + vrrpStates.map { "\($0.name) \($0.state)" }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    /// Called on `queue`. A failure is logged once: systemd going away must not flood the log.
    private func send(_ message: NotifyMessage) {
        guard let notifier else { return }
        for assignment in message.assignments where assignment.key == "STATUS" { lastStatus = assignment.value }
        do {
            try notifier.send(message)
        } catch {
            if !reportedSendFailure {
                logger.warning("cannot notify systemd", metadata: ["why": "\(error)", "message": "\(message)"])
            }
            reportedSendFailure = true
        }
    }
}
