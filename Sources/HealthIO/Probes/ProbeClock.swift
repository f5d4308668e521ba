import HealthCore
import MonotonicTime
import NIOCore

extension Duration {
    /// The same span as NIO's `TimeAmount`, for connect timeouts, deadlines and scheduled tasks.
    var timeAmount: TimeAmount { .nanoseconds(Int64(clamping: nanoseconds)) }
}

extension CheckOutcome {
    /// This outcome with `duration` measured from `start` to now.
    func measured(from start: NIODeadline) -> CheckOutcome {
        var outcome = self
        outcome.duration = .nanoseconds((NIODeadline.now() - start).nanoseconds)
        return outcome
    }
}
