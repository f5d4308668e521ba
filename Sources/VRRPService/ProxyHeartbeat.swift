import MonotonicTime

/// The VRRP thread's heartbeat to the data plane: at most one ping awaits its answer at a time, and the data
/// plane's silence counts from when that ping went out.
///
/// Counting from the last answer instead would bill the data plane for the VRRP thread's own pauses: after a
/// stop of the whole process (SIGSTOP, a VM pause) no ping went out meanwhile, yet the time since the last answer
/// spans the pause, and a master that no peer had replaced would give up its VIP on resume. The ping sent before
/// such a stop still awaits its answer after it, so a pass late enough to mean a stop restarts its clock.
struct ProxyHeartbeat {
    /// When the ping that awaits its answer went out; nil when none does.
    private(set) var awaitedSince: MonotonicInstant?

    /// Whether to send a ping now: true, and counted as sent, unless one still awaits its answer.
    mutating func ping(at now: MonotonicInstant) -> Bool {
        guard awaitedSince == nil else { return false }
        awaitedSince = now
        return true
    }

    /// The data plane answered at `instant` (the last answer it gave; one before the awaited ping answers an
    /// earlier one).
    mutating func answered(at instant: MonotonicInstant) {
        guard let sent = awaitedSince, instant >= sent else { return }
        awaitedSince = nil
    }

    /// Starts the awaited ping's silence over at `now`, after a pass late enough that the whole process may have
    /// stopped: the ping sent before the stop is still unanswered, but the data plane could not run meanwhile,
    /// and on resume it may take a while to get to it (thousands of sockets all due at once).
    mutating func restart(at now: MonotonicInstant) {
        if awaitedSince != nil { awaitedSince = now }
    }

    /// How long the awaited ping has gone unanswered; zero when none awaits an answer.
    func silence(at now: MonotonicInstant) -> Duration {
        awaitedSince.map { now.since($0) } ?? .zero
    }
}
