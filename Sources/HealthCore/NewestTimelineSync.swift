import MonotonicTime

/// Decides when the driver writes the newest primary timeline to its state file: only when it differs from what
/// the file holds, one write at a time, and after a failed write not again before `retryDelay` (an unwritable
/// directory must not turn every check result into a failing write).
///
/// Contract: the driver calls `loaded` once with what the file held at start, `due` after anything that may have
/// changed the view's newest timeline, performs the write `due` returned (nil: remove the file), then calls
/// `finished`. States: idle (file matches or a retry is pending) -> writing -> idle.
public struct NewestTimelineSync: Sendable, Equatable {
    /// What the file holds as far as the driver knows; nil: no file.
    public private(set) var stored: Int?
    private var writing = false
    private var retryAt: MonotonicInstant?
    /// Failed writes since start.
    public private(set) var failures = 0
    private let retryDelay: Duration

    public init(retryDelay: Duration) {
        self.retryDelay = retryDelay
    }

    /// What the file held when the daemon started.
    public mutating func loaded(_ timeline: Int?) {
        stored = timeline
    }

    /// The write to start at `now` so that the file holds `newest`: `.some(nil)` removes the file, nil starts none.
    public mutating func due(newest: Int?, at now: MonotonicInstant) -> Int?? {
        guard !writing, newest != stored else { return nil }
        if let retryAt, now < retryAt { return nil }
        writing = true
        return .some(newest)
    }

    /// The write of `timeline` (nil: the removal) finished at `now`; returns whether it is the first failure
    /// after a success (log it then, count every one).
    public mutating func finished(_ timeline: Int?, succeeded: Bool, at now: MonotonicInstant) -> Bool {
        writing = false
        guard succeeded else {
            failures += 1
            let first = retryAt == nil
            retryAt = now + retryDelay
            return first
        }
        stored = timeline
        retryAt = nil
        return false
    }

    /// Whether the last write failed and none succeeded since.
    public var failing: Bool { retryAt != nil }
}
