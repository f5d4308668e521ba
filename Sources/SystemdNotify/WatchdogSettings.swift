/// systemd's watchdog as the environment describes it (sd_watchdog_enabled(3)): `$WATCHDOG_USEC` is the
/// `WatchdogSec=` interval, `$WATCHDOG_PID` the process it is meant for.
public struct WatchdogSettings: Hashable, Sendable {
    /// Without a `WATCHDOG=1` for this long, systemd kills the service (and restarts it with `Restart=`).
    public var interval: Duration

    public init(interval: Duration) {
        self.interval = interval
    }

    /// nil when no watchdog is asked for, the value is not a positive number of microseconds, or it is meant for
    /// another process (a child that inherited the environment).
    public init?(environment: [String: String], pid: Int32) {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0,
            microseconds <= UInt64(Int64.max / 1000)
        else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        interval = .microseconds(Int64(microseconds))
    }

    /// How often to ping: half the interval, as sd_watchdog_enabled(3) recommends, so one late ping is not
    /// yet a restart.
    public var pingPeriod: Duration { interval / 2 }
}
