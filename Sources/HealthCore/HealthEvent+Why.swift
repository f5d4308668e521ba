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

    /// Why a replica listener's verdict moved from `from` to `to`; `counter` is the verdict after the move.
    static func freshnessWhy(
        from: HealthCounter.State, to: HealthCounter.State, counter: HealthCounter, lag: ReplicaLag
    ) -> String {
        let readings: String
        switch (from, to) {
        case (.unknown, _): readings = "first reading"
        case (_, .up): readings = counted(counter.rise, "reading")
        case (_, _): readings = counted(counter.fall, "reading")
        }
        return "\(readings) \(to == .up ? "within" : "over") the limit: \(describe(lag))"
    }

    /// Why checks were inconclusive: how many since the last report, and the last server answer.
    static func inconclusiveWhy(count: Int, error: String?) -> String {
        let answer = error ?? "no reason given"
        return count == 1 ? answer : "\(counted(count, "inconclusive check")) since the last report: \(answer)"
    }

    /// Why a replica's divergence changed.
    static func divergenceWhy(_ lag: ReplicaLag) -> String {
        if lag.otherTimeline { return "on another timeline than the primary, or older than the newest one seen" }
        if lag.ahead { return "ahead of the primary read after it" }
        return "seen behind the primary on its timeline"
    }

    /// "replay delay 3100ms, 4096 bytes behind, not streaming".
    private static func describe(_ lag: ReplicaLag) -> String {
        var parts = [lag.bytes.map { "\($0) bytes behind" } ?? "bytes behind unknown"]
        parts.append(lag.time.map { "replay delay \($0.milliseconds)ms" } ?? "replay delay unknown")
        switch lag.streaming {
        case true?: parts.append("streaming")
        case false?: parts.append("not streaming")
        case nil: parts.append("streaming unknown")
        }
        if lag.diverged { parts.append("diverged") }
        return parts.joined(separator: ", ")
    }

    /// "1 failed check", "3 failed checks".
    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
