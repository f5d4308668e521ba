import CSysShim
import Foundation
import HealthCore

/// Commands from the control side (health checks, signals, reloads) to the data-plane thread.
///
/// The control side appends under a lock and pokes an eventfd; the data plane drains the list on its own
/// thread, so none of its state is ever touched from outside.
final class Mailbox: @unchecked Sendable {
    enum Command {
        case apply(DataPlaneSettings)
        case routing(RoutingTable)
        case shutdown(grace: Duration)
        /// Runs the closure with a snapshot, on the data-plane thread.
        case snapshot(@Sendable (DataPlaneSnapshot) -> Void)
        case shutdownSessions(listener: String?, server: String, reply: @Sendable (Int) -> Void)
    }

    let eventFD: Int32
    private let lock = NSLock()
    private var commands: [Command] = []

    init() throws {
        let fd = shim_eventfd()
        guard fd >= 0 else { throw SocketError(operation: "eventfd", errno: -fd) }
        eventFD = fd
    }

    deinit { close(eventFD) }

    func post(_ command: Command) {
        lock.lock()
        commands.append(command)
        lock.unlock()
        _ = shim_eventfd_signal(eventFD)
    }

    func take() -> [Command] {
        _ = shim_eventfd_drain(eventFD)
        lock.lock()
        defer { lock.unlock() }
        let taken = commands
        commands.removeAll()
        return taken
    }
}
