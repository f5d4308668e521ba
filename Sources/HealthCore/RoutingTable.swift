import MonotonicTime

/// What every listener may route to now: the data plane's whole view of health, rebuilt after each check.
public struct RoutingTable: Sendable, Equatable {
    /// Listener name -> eligible servers of its pool in pool order, with their effective weights (>= 1).
    public var eligible: [String: [EligibleServer]]
    /// The primary chosen by the split-brain guard, if any.
    public var primary: String?
    /// Every server that says it is primary now (`ServerHealth.claimsPrimary`), in configuration order: more
    /// than one is an alert even when the guard chose one, as clients that bypass pgfloat can write to each.
    public var primaryClaimants: [String]
    /// Servers that may not take writes: every server but the `primary` once one is elected; else those whose
    /// last answer was primary on a timeline older than the newest seen, whatever their reachability or agent;
    /// else up servers that answer replica or without a role, tie, or the store names another leader. A primary
    /// listener holds sessions on one only if it was the primary when they began, so it closes them
    /// (`on_primary_lost`). While nobody is primary, a down server is left to `on_marked_down` (a check that
    /// fails must not cut sessions) and a primary its agent drains keeps its sessions.
    public var deposed: Set<String>
    /// Servers whose last answer was primary and that lost the role for certain (an older timeline than the
    /// newest seen, or a store naming another leader). Listeners of the other roles that can reach a primary
    /// (`any`, `replica-or-primary`) close their sessions there (`on_primary_lost`): `deposed` also names every
    /// replica once a primary is elected, where their sessions are reads and stay.
    public var lostPrimaries: Set<String>
    /// True when two or more servers claim primary and the guard could not pick one (equal or unknown
    /// timelines): then no server is primary. Never true together with a `primary`.
    public var splitBrain: Bool
    /// The earliest instant at which a slowstart ramp changes a weight, so the driver recomputes then; nil if
    /// none ramps.
    public var nextRampUpdate: MonotonicInstant?

    public init(
        eligible: [String: [EligibleServer]], primary: String?, primaryClaimants: [String],
        deposed: Set<String> = [], lostPrimaries: Set<String> = [], splitBrain: Bool,
        nextRampUpdate: MonotonicInstant?
    ) {
        self.eligible = eligible
        self.primary = primary
        self.primaryClaimants = primaryClaimants
        self.deposed = deposed
        self.lostPrimaries = lostPrimaries
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
