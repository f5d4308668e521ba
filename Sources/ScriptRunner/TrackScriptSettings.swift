/// One track script (keepalived's `vrrp_script`): what to run, how often, and what its result does to the
/// instance's priority.
public struct TrackScriptSettings: Hashable, Sendable {
    /// For logs; unique within its instance.
    public var name: String
    public var command: ScriptCommand
    /// Time between the starts of two runs.
    public var interval: Duration
    /// How long one run may take; it is then killed and counts as a failure.
    public var timeout: Duration
    /// Consecutive successes that turn a failed script OK.
    public var rise: Int
    /// Consecutive failures that turn an OK script failed.
    public var fall: Int
    /// keepalived's `weight`: a positive weight is added to the priority while the script is OK, a negative one
    /// while it has failed; 0 puts the instance in FAULT while it has failed.
    public var weight: Int

    public init(
        name: String, command: ScriptCommand, interval: Duration = .seconds(2), timeout: Duration? = nil,
        rise: Int = 1, fall: Int = 1, weight: Int = 0
    ) {
        self.name = name
        self.command = command
        self.interval = interval
        self.timeout = timeout ?? interval
        self.rise = rise
        self.fall = fall
        self.weight = weight
    }

    /// What `status` adds to the instance's priority: keepalived applies a positive weight while OK and a
    /// negative one while failed, nothing otherwise (an unknown script counts for neither).
    public func priorityAdjustment(for status: TrackScriptStatus) -> Int {
        switch status {
        case .ok: return max(weight, 0)
        case .failed: return min(weight, 0)
        case .unknown: return 0
        }
    }

    /// Whether `status` puts the instance in FAULT: a failed script without a weight.
    public func causesFault(_ status: TrackScriptStatus) -> Bool {
        switch status {
        case .failed: return weight == 0
        case .ok, .unknown: return false
        }
    }
}
