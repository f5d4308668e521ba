/// Which endpoint the watch uses and how long to pause before the next try, as etcd clients do: a failure moves
/// on to the next endpoint in the configured order, the pause doubles per failure up to `maxDelay`, and a working
/// watch resets both the pause and the count.
public struct EndpointRotation: Sendable, Equatable {
    /// The pause after the first failure: short, so a single dropped connection costs little.
    public static let firstDelay = Duration.milliseconds(100)
    /// The longest pause, so a returning etcd is found within a second.
    public static let maxDelay = Duration.seconds(1)

    public let endpointCount: Int
    /// The endpoint to use now.
    public private(set) var index = 0
    /// Failures since the last working watch.
    public private(set) var failures = 0

    public init(endpointCount: Int) {
        precondition(endpointCount > 0, "the configuration has at least one endpoint")
        self.endpointCount = endpointCount
    }

    /// The endpoint in use failed: moves to the next one; returns the pause before trying it.
    public mutating func failed() -> Duration {
        index = (index + 1) % endpointCount
        failures += 1
        // Ten doublings are far past maxDelay; the cap keeps a long outage from overflowing the shift.
        let doublings = min(failures - 1, 10)
        return min(Self.firstDelay * (1 << doublings), Self.maxDelay)
    }

    /// A watch runs: the next failure pauses briefly again.
    public mutating func connected() {
        failures = 0
    }
}
