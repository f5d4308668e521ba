/// The plain words each kind of change is logged with, kept apart from the rules so they read as one list.
extension HealthEvent {
    /// Why reachability moved from `from` to `to`; `counter` is the counter after the move.
    static func reachabilityWhy(
        from: HealthCounter.State, to: HealthCounter.State, counter: HealthCounter, error: String?
    ) -> String {
        let reason = error ?? "no reason given"
        switch (from, to) {
        case (.unknown, .up): return "first check passed"
        case (.unknown, _): return "first check failed: \(reason)"
        case (_, .up): return "\(counted(counter.rise, "passed check")) in a row"
        case (_, _): return "\(counted(counter.fall, "failed check")): \(reason)"
        }
    }

    /// Why the agent directive changed.
    static func agentWhy(_ directive: AgentDirective?) -> String {
        guard let directive else { return "agent asks for nothing" }
        switch directive {
        case .ready: return "agent says ready"
        case .drain: return "agent says drain"
        case .maintenance: return "agent says maint"
        case .weightPercent(let percent): return "agent asks for \(percent)% weight"
        }
    }

    /// Why the timeline changed.
    static func timelineWhy(_ timeline: Int?) -> String {
        timeline.map { "answered timeline \($0)" } ?? "answered no timeline"
    }

    /// "1 failed check", "3 failed checks".
    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
