/// What an operator set on one server in one listener through the runtime API, HAProxy's admin state.
///
/// It is separate from health: checks say whether a server can serve, the operator says whether it may. A
/// drained server keeps its sessions and its checks; a server in maintenance also has its checks paused, so a
/// host being patched does not fill the logs with failures.
public struct ServerAdministration: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Takes sessions as its checks allow.
        case ready
        /// No new sessions; established ones continue.
        case drain
        /// Drain, and its checks paused.
        case maint
    }

    public var state: State
    /// A weight set at runtime in place of the configured one (HAProxy's `set server ... weight`).
    public var weight: Int?

    public init(state: State = .ready, weight: Int? = nil) {
        self.state = state
        self.weight = weight
    }

    /// The administration a server has before anyone sets one.
    public static let ready = ServerAdministration()
}

/// A server within one listener: the unit the runtime API administers, as HAProxy's `backend/server`.
public struct ListenerServer: Sendable, Hashable {
    public var listener: String
    public var server: String

    public init(listener: String, server: String) {
        self.listener = listener
        self.server = server
    }
}
