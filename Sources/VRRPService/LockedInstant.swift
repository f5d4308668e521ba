import Foundation
import MonotonicTime

/// An instant written by one thread (the data plane answering a heartbeat) and read by another (VRRP).
final class LockedInstant: @unchecked Sendable {
    private let lock = NSLock()
    private var value: MonotonicInstant

    init(_ value: MonotonicInstant) {
        self.value = value
    }

    func get() -> MonotonicInstant {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ instant: MonotonicInstant) {
        lock.lock()
        value = instant
        lock.unlock()
    }
}
