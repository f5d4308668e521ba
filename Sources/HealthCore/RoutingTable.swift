import MonotonicTime

/// What every listener may route to now: the data plane's whole view of health, rebuilt after each check.
public struct RoutingTable: Sendable, Equatable {
    /// Listener name -> eligible servers of its pool in pool order, with their effective weights (>= 1).
    public var eligible: [String: [EligibleServer]]
    /// The primary chosen by the split-brain guard, if any.
    public var primary: String?
    /// Servers claiming primary that the guard had to arbitrate (empty when there is at most one claimant).
    public var primaryClaimants: [String]
    /// True when two or more servers claim primary and the guard could not pick one (equal or unknown
    /// timelines): then no server is primary. Never true together with a `primary`.
    public var splitBrain: Bool
    /// The earliest instant at which a slowstart ramp changes a weight, so the driver recomputes then; nil if
    /// none ramps.
    public var nextRampUpdate: MonotonicInstant?

    public init(
        eligible: [String: [EligibleServer]], primary: String?, primaryClaimants: [String], splitBrain: Bool,
        nextRampUpdate: MonotonicInstant?
    ) {
        self.eligible = eligible
        self.primary = primary
        self.primaryClaimants = primaryClaimants
        self.splitBrain = splitBrain
        self.nextRampUpdate = nextRampUpdate
    }
}

/// A server a listener may send new sessions to, and its share.
public struct EligibleServer: Sendable, Equatable {
    public var name: String
    /// Effective weight: configured weight, scaled by the agent and ramped by slowstart; at least 1.
    public var weight: Int

    public init(name: String, weight: Int) {
        self.name = name
        self.weight = weight
    }
}
