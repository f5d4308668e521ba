import HealthCore
import MonotonicTime

/// What the VRRP thread saw of this node's proxy on one tracking pass.
struct ProxyObservation: Equatable {
    /// How long the heartbeat's awaited ping has gone unanswered (`ProxyHeartbeat`).
    var silence: Duration = .zero
    /// How late the VRRP thread ran this pass, past when it was due.
    var loopLateness: Duration = .zero
    /// A problem seen directly (a listener that cannot bind, descriptors running out); nil when none.
    var problem: String?
}

/// `track_proxy` hysteresis for one instance: the proxy counts as failed after `fall` bad observations in a row
/// and as working again after `rise` good ones, so that intermittent stalls do not move the VIP back and forth.
///
/// An observation is bad when it has a problem or the heartbeat has been silent longer than `silence`. Rise/fall
/// is HAProxy's single counter (`HealthCounter`, which track scripts use too), and the first observation counts
/// as it is. Observations come every tracking period, but also whenever another input changes; only one per
/// `period` is counted, so that `rise` and `fall` keep meaning a time. An observation made more than `silence`
/// late is not counted either: the VRRP thread itself stalled (the whole process stopped, CPU starvation), the
/// data plane had no time to answer, and the next pass on time judges it.
struct ProxyHealthTracker {
    /// The longest heartbeat silence that is still good.
    let silence: Duration
    /// The tracking period: observations sooner than this after the last counted one are not counted.
    let period: Duration
    private var counter: HealthCounter
    private var lastCounted: MonotonicInstant?
    /// The problem reported while failed: the last bad observation's.
    private var lastProblem: String?

    init(silence: Duration, rise: Int, fall: Int, period: Duration) {
        self.silence = silence
        self.period = period
        counter = HealthCounter(rise: rise, fall: fall)
    }

    /// Counts `observation` (unless it comes too soon after the last counted one) and returns the problem to
    /// track: nil while the proxy counts as working, even if this observation was bad.
    mutating func observe(_ observation: ProxyObservation, at now: MonotonicInstant) -> String? {
        if skips(lateness: observation.loopLateness) { return reported }
        if let lastCounted, now < lastCounted + period { return reported }
        lastCounted = now
        let problem = observation.problem ?? silenceProblem(observation.silence)
        if let problem { lastProblem = problem }
        _ = counter.record(success: problem == nil)
        return reported
    }

    /// Whether a pass `lateness` past its due time goes uncounted: the VRRP thread stalled longer than the silence
    /// limit, so the whole process, data plane too, may have stopped.
    func skips(lateness: Duration) -> Bool { lateness > silence }

    /// The problem as tracked now.
    var reported: String? {
        switch counter.state {
        case .unknown, .up: return nil
        case .down: return lastProblem
        }
    }

    private func silenceProblem(_ silence: Duration) -> String? {
        guard silence > self.silence else { return nil }
        return "data plane has not answered for \(silence.milliseconds) ms"
    }
}
