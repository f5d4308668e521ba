import Dispatch

extension DispatchSemaphore {
    /// Waits at most `bound` (to the millisecond), as the control queue does for the VRRP thread's answers.
    func wait(for bound: Duration) -> DispatchTimeoutResult {
        let milliseconds = Int(bound.components.seconds) * 1000
            + Int(bound.components.attoseconds / 1_000_000_000_000_000)
        return wait(timeout: .now() + .milliseconds(milliseconds))
    }
}
