/// One datagram of the sd_notify protocol: newline-separated `KEY=VALUE` assignments (sd_notify(3)).
///
/// Messages combine with ``adding(_:)``, so `READY=1` and its `STATUS=` go in one datagram and systemd never shows
/// a ready service with the status of the one before.
public struct NotifyMessage: Hashable, Sendable, CustomStringConvertible {
    public struct Assignment: Hashable, Sendable {
        public var key: String
        public var value: String
    }

    public private(set) var assignments: [Assignment]

    public init(_ key: String, _ value: String) {
        // A value is one line; a newline would start another assignment.
        let line = String(value.map { $0.isNewline ? " " : $0 })
        assignments = [Assignment(key: key, value: line)]
    }

    /// Start-up is finished: listeners bound, VRRP started.
    public static let ready = NotifyMessage("READY", "1")
    /// The service is stopping (SIGTERM received); systemd waits for the exit.
    public static let stopping = NotifyMessage("STOPPING", "1")
    /// Alive: resets the `WatchdogSec=` timer.
    public static let watchdog = NotifyMessage("WATCHDOG", "1")

    /// A reload has started; `READY=1` ends it. `MONOTONIC_USEC` is CLOCK_MONOTONIC when it started, which
    /// systemd 253+ requires with `Type=notify-reload` and older ones ignore.
    public static func reloading(monotonicMicroseconds: UInt64) -> NotifyMessage {
        NotifyMessage("RELOADING", "1").adding(NotifyMessage("MONOTONIC_USEC", "\(monotonicMicroseconds)"))
    }

    /// Free text for `systemctl status`.
    public static func status(_ text: String) -> NotifyMessage { NotifyMessage("STATUS", text) }

    /// This message followed by `other`'s assignments, in one datagram.
    public func adding(_ other: NotifyMessage) -> NotifyMessage {
        var combined = self
        combined.assignments += other.assignments
        return combined
    }

    /// The datagram's text: `READY=1\nSTATUS=serving\n`.
    public var text: String { assignments.map { "\($0.key)=\($0.value)\n" }.joined() }

    public var description: String { assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
}
