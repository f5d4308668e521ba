/// Where a track script stands after rise/fall hysteresis.
public enum TrackScriptStatus: String, Hashable, Sendable {
    /// No run has finished yet.
    case unknown
    /// Passing: it succeeded `rise` times in a row since it last failed (or on its first run).
    case ok
    /// Failing: it failed `fall` times in a row since it last passed (or on its first run).
    case failed
}

/// A track script's status changed; what the instance must apply now.
public struct TrackScriptChange: Hashable, Sendable {
    public var name: String
    public var from: TrackScriptStatus
    public var to: TrackScriptStatus
    /// The priority change to apply from now on for this script (it replaces the previous one).
    public var priorityAdjustment: Int
    /// Whether the instance must be in FAULT for this script (weight 0 and failed).
    public var causesFault: Bool
    /// The run that made the change, for the log line.
    public var result: ScriptResult

    public init(
        name: String, from: TrackScriptStatus, to: TrackScriptStatus, priorityAdjustment: Int, causesFault: Bool,
        result: ScriptResult
    ) {
        self.name = name
        self.from = from
        self.to = to
        self.priorityAdjustment = priorityAdjustment
        self.causesFault = causesFault
        self.result = result
    }
}
