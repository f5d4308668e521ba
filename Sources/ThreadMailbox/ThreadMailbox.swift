import CSysShim
import Foundation

/// Commands from other threads to a thread that runs its own event loop (the data plane, VRRP).
///
/// Senders append under a lock and poke an eventfd; the owning thread waits on `eventFD` with the rest of its
/// descriptors and drains the list, so none of its state is ever touched from outside.
public final class ThreadMailbox<Command>: @unchecked Sendable {
    /// Readable while commands wait; registered with the owner's epoll or poll.
    public let eventFD: Int32
    private let lock = NSLock()
    private var commands: [Command] = []

    public init() throws {
        let fd = shim_eventfd()
        guard fd >= 0 else { throw MailboxError(errno: -fd) }
        eventFD = fd
    }

    deinit { close(eventFD) }

    public func post(_ command: Command) {
        lock.lock()
        commands.append(command)
        lock.unlock()
        _ = shim_eventfd_signal(eventFD)
    }

    /// Everything posted since the last call, in order; called by the owning thread.
    public func take() -> [Command] {
        _ = shim_eventfd_drain(eventFD)
        lock.lock()
        defer { lock.unlock() }
        let taken = commands
        commands.removeAll()
        return taken
    }
}

/// The eventfd could not be created.
public struct MailboxError: Error, CustomStringConvertible {
    public var errno: Int32
    public var description: String { "eventfd: \(String(cString: strerror(errno)))" }
}
