/// What an instance's tracking sees now: the inputs keepalived gets from its track_* scripts and interfaces, plus
/// pgfloat's own view of its proxy and of the databases.
struct TrackedState: Equatable {
    /// Why this node's proxy cannot serve (a stalled data plane, an unbound listener, descriptors running out),
    /// after `track_proxy` rise/fall; nil while it can.
    var proxyProblem: String?
    /// Whether the checks see at least one server a listener may use.
    var backendsReachable = true
    /// Tracked interfaces (the instance's own included) whose link is down.
    var interfacesDown: Set<String> = []
    /// What each track script asks now, by name (the script runner applies keepalived's weight rules).
    var scripts: [String: ScriptEffect] = [:]
}

/// A track script's effect on its instance after rise/fall.
public struct ScriptEffect: Equatable, Sendable {
    public var adjustment: Int
    public var fault: Bool

    public init(adjustment: Int, fault: Bool) {
        self.adjustment = adjustment
        self.fault = fault
    }
}

/// How tracking turns into VRRP: FAULT, or a priority adjustment, with the reasons `show vrrp` prints.
struct TrackingVerdict: Equatable {
    var faultReasons: [String] = []
    var adjustment = 0
    var adjustmentReasons: [String] = []

    var isFault: Bool { !faultReasons.isEmpty }
}

/// One instance's tracking configuration.
struct TrackingPolicy: Equatable {
    enum Response: Equatable {
        case off
        case fault
        /// Added to the priority (negative lowers it).
        case weight(Int)
    }

    var proxy: Response
    /// Weight applied while no server is reachable; nil when not tracked.
    var backends: Int?
    var interfaces: [String]
    /// Track scripts that put the instance in FAULT when failing (weight 0). Until each has a first result the
    /// instance is held in FAULT, as keepalived holds it, rather than taking over on a check nobody has run.
    var faultingScripts: [String] = []

    /// keepalived's rules, plus the proxy and backends: a fault wins over any weight, and weights add up.
    func evaluate(_ state: TrackedState) -> TrackingVerdict {
        var verdict = TrackingVerdict()
        if let problem = state.proxyProblem {
            switch proxy {
            case .off: break
            case .fault: verdict.faultReasons.append("proxy: \(problem)")
            case .weight(let weight): verdict.add(weight, "proxy \(weight): \(problem)")
            }
        }
        if let backends, !state.backendsReachable {
            verdict.add(backends, "track_backends \(backends): no database server reachable")
        }
        for name in interfaces where state.interfacesDown.contains(name) {
            verdict.faultReasons.append("interface \(name) down")
        }
        for name in faultingScripts where state.scripts[name] == nil {
            verdict.faultReasons.append("track_script \(name) has no result yet")
        }
        for (name, effect) in state.scripts.sorted(by: { $0.key < $1.key }) {
            if effect.fault { verdict.faultReasons.append("track_script \(name) failing") }
            if effect.adjustment != 0 { verdict.add(effect.adjustment, "track_script \(name) \(effect.adjustment)") }
        }
        return verdict
    }
}

extension TrackingVerdict {
    fileprivate mutating func add(_ weight: Int, _ reason: String) {
        adjustment += weight
        adjustmentReasons.append(reason)
    }
}
