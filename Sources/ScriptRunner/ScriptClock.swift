import Dispatch
import MonotonicTime

/// The monotonic clock the drivers read; pure types take instants from their callers instead.
enum ScriptClock {
    /// CLOCK_MONOTONIC, the clock Dispatch deadlines use, so timers and instants agree.
    static func now() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: DispatchTime.now().uptimeNanoseconds)
    }

    static func dispatchTime(_ instant: MonotonicInstant) -> DispatchTime {
        DispatchTime(uptimeNanoseconds: instant.nanoseconds)
    }
}
