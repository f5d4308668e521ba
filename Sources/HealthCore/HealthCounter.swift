/// Rise/fall hysteresis for one server, as one counter the way HAProxy keeps it.
///
/// `health` runs from 0 (down) to `rise + fall - 1` (up, fully healthy). An up server loses one step per failure and
/// regains full health on a success, so it goes down after `fall` consecutive failures; a down server climbs one
/// step per success and drops back to 0 on a failure, so it comes up after `rise` consecutive successes.
///
/// The first result is taken as it is: a server nobody has checked yet is neither trusted with clients nor held
/// back for `rise` intervals after a cold start.
public struct HealthCounter: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// No check has answered yet; the server takes no sessions.
        case unknown
        case up
        case down
    }

    /// A change of state caused by one check result.
    public struct Transition: Sendable, Equatable {
        public var from: State
        public var to: State

        public init(from: State, to: State) {
            self.from = from
            self.to = to
        }
    }

    public let rise: Int
    public let fall: Int
    public private(set) var state: State = .unknown
    public private(set) var health = 0

    public init(rise: Int, fall: Int) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
    }

    private var top: Int { rise + fall - 1 }

    /// Feeds one check result; returns the transition it caused, if any.
    public mutating func record(success: Bool) -> Transition? {
        let before = state
        switch (state, success) {
        case (.unknown, true):
            health = top
            state = .up
        case (.unknown, false):
            health = 0
            state = .down
        case (.up, true):
            health = top
        case (.down, false):
            health = 0
        case (.down, true):
            health += 1
            if health >= rise {
                health = top
                state = .up
            }
        case (.up, false):
            // Counting down from `top`, `fall` failures reach `rise - 1`; a server that went down then needs the
            // full `rise` successes, so it restarts from zero.
            health -= 1
            if health < rise {
                health = 0
                state = .down
            }
        }
        return before == state ? nil : Transition(from: before, to: state)
    }

    /// True while the counter is part way to the other state: an up server that failed some checks, or a down
    /// server that passed some. Checks then run at `fast_interval`, so the change is confirmed (or undone) sooner.
    public var isChanging: Bool {
        switch state {
        case .unknown: return false
        case .up: return health < top
        case .down: return health > 0
        }
    }

    /// "2/3 UP" style progress for logs: how far a changing server is towards its next state.
    public var progress: String {
        switch state {
        case .unknown: return "unchecked"
        case .up where health < top: return "UP, going down \(top - health)/\(fall)"
        case .up: return "UP"
        case .down where health > 0: return "DOWN, going up \(health)/\(rise)"
        case .down: return "DOWN"
        }
    }
}
