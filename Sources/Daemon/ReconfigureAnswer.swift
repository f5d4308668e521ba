import Dispatch

/// The VRRP thread's answer to a reload, handed to the control queue that waits for it with a bound.
///
/// The VRRP thread writes once and signals; the waiter reads only after a signal it received, so the semaphore
/// orders the two. An answer that comes after the waiter gave up is written and never read.
final class ReconfigureAnswer: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var accepted: Set<String> = []

    /// On the VRRP thread: the names of the instances that took their new settings.
    func give(_ names: [String]) {
        accepted = Set(names)
        ready.signal()
    }

    /// The answer, or nil when none came within `bound`.
    func wait(_ bound: Duration) -> Set<String>? {
        guard ready.wait(for: bound) == .success else { return nil }
        return accepted
    }
}
