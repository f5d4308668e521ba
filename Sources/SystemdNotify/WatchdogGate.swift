/// Whether the daemon may tell systemd it is alive: only when every part it asked (the data plane's epoll thread,
/// the health-check loop, the admin loop, the VRRP thread) has answered since the last tick. A part that is
/// stuck stops the pings, and systemd restarts the daemon after `WatchdogSec=`. Pure: the driver feeds it
/// answers and ticks.
///
/// A part is asked again only once it has answered, so a stuck part's queue does not fill with questions.
public struct WatchdogGate: Hashable, Sendable {
    /// What one tick decided.
    public struct Decision: Hashable, Sendable {
        /// Send `WATCHDOG=1`.
        public var ping: Bool
        /// Parts that have not answered since the previous tick, in the order given at start.
        public var silent: [String]
        /// Parts to ask now.
        public var ask: [String]

        public init(ping: Bool, silent: [String], ask: [String]) {
            self.ping = ping
            self.silent = silent
            self.ask = ask
        }
    }

    public let parts: [String]
    private var answered: Set<String> = []
    private var outstanding: Set<String> = []

    public init(parts: [String]) {
        self.parts = parts
    }

    /// The parts to ask first, before the first tick.
    public mutating func start() -> [String] {
        outstanding = Set(parts)
        answered = []
        return parts
    }

    /// `part` answered a question; answers from unknown parts are ignored.
    public mutating func answer(_ part: String) {
        guard parts.contains(part) else { return }
        outstanding.remove(part)
        answered.insert(part)
    }

    /// A ping period has passed: ping if every part answered during it, then ask the parts with no question
    /// pending.
    public mutating func tick() -> Decision {
        let silent = parts.filter { !answered.contains($0) }
        answered = []
        let ask = parts.filter { !outstanding.contains($0) }
        outstanding.formUnion(ask)
        return Decision(ping: silent.isEmpty, silent: silent, ask: ask)
    }
}
