import Glibc

/// Sends ``NotifyMessage``s to the service manager over `$NOTIFY_SOCKET`, an AF_UNIX datagram socket, without
/// libsystemd. Outside systemd (no `$NOTIFY_SOCKET`) there is no notifier and nothing is sent.
///
/// Thread-safe: one socket, sends serialised by a lock. The socket is close-on-exec, so scripts never get it;
/// they do not get `$NOTIFY_SOCKET` either (scripts run with an environment of their own).
///
/// A send blocks while the manager's queue is full (`net.unix.max_dgram_qlen` datagrams), at most `sendTimeout`:
/// a hung service manager cannot hang the daemon.
public final class SystemdNotifier: @unchecked Sendable {
    public let address: NotifySocketAddress
    public let sendTimeout: Duration
    private let lock = PThreadLock()
    private var descriptor: Int32 = -1

    public init(address: NotifySocketAddress, sendTimeout: Duration = .seconds(2)) {
        self.address = address
        self.sendTimeout = sendTimeout
    }

    /// A notifier for `environment["NOTIFY_SOCKET"]`; nil when unset or not a supported address.
    public convenience init?(environment: [String: String]) {
        guard let value = environment["NOTIFY_SOCKET"], let address = NotifySocketAddress(environmentValue: value)
        else { return nil }
        self.init(address: address)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Sends one datagram; throws with the errno text when the socket cannot be opened or the send fails.
    public func send(_ message: NotifyMessage) throws(NotifyError) {
        lock.lock()
        defer { lock.unlock() }
        if descriptor < 0 {
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw NotifyError("socket: \(String(cString: strerror(errno)))") }
            let (seconds, attoseconds) = sendTimeout.components
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
            let size = socklen_t(MemoryLayout<timeval>.size)
            guard setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size) == 0 else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                descriptor = -1
                throw NotifyError("SO_SNDTIMEO: \(message)")
            }
        }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = address.socketPathBytes
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        // An abstract name is exactly its bytes: a trailing NUL would be part of the name.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let bytes = Array(message.text.utf8)
        let sent = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { body in
                    sendto(descriptor, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        }
        guard sent == bytes.count else {
            throw NotifyError("sendto \(address): \(sent < 0 ? String(cString: strerror(errno)) : "short send")")
        }
    }
}

/// Why a notification could not be sent.
public struct NotifyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A pthread mutex at a fixed address, so this target needs no Foundation.
final class PThreadLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}
