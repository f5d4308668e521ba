/// The outcome of asking a pool for a server.
public enum PickResult: Sendable, Equatable {
    /// The position of the chosen server in the pool.
    case server(Int)
    /// Servers are eligible but every one of them is at its maxconn: the client waits for a slot.
    case full
    /// No server may take sessions now: the client waits for one to become eligible.
    case noneEligible
}
