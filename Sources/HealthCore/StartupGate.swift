import MonotonicTime

/// Holds the election of a primary after pgfloat starts until every configured server has answered its first
/// check, or one check `timeout` has passed.
///
/// All checks start at once. Without the gate the first server to answer primary would win: an old primary on
/// timeline 5 that answers before the new one on timeline 6 would take writes until the new one's first answer.
/// Once every server has answered (reachable or not), each primary answer has raised the newest timeline and the
/// split-brain guard can choose; a server whose check hangs cannot hold writes back longer than one `timeout`.
///
/// Contract: the view reviews the gate on every check result and when the driver's timer fires at `deadline`.
/// Once open it stays open, so a reload that adds a server never holds an elected primary back again.
/// Can transition to: closed -> open (never back).
public struct StartupGate: Sendable, Equatable {
    /// Why the gate opened.
    public enum Opening: String, Sendable, Equatable {
        case everyServerAnswered = "every server answered its first check"
        case timeoutPassed = "one check timeout passed since start"
    }

    /// When the gate opens whatever has answered.
    public let deadline: MonotonicInstant
    public private(set) var isOpen = false

    /// A gate closed from `start` until every server has answered or `timeout` has passed.
    public init(start: MonotonicInstant, timeout: Duration) {
        deadline = start + timeout
    }

    /// Opens the gate when every server has answered or the deadline has passed at `now`; returns why, only the
    /// time it opens.
    public mutating func review(everyServerAnswered: Bool, at now: MonotonicInstant) -> Opening? {
        guard !isOpen else { return nil }
        let opening: Opening
        if everyServerAnswered {
            opening = .everyServerAnswered
        } else if now >= deadline {
            opening = .timeoutPassed
        } else {
            return nil
        }
        isOpen = true
        return opening
    }
}
