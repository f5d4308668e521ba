import ConfigModel
import MonotonicTime

/// The share of new sessions a server takes now.
///
/// The configured weight, scaled by an agent's `NN%` (weight * NN / 100, as the agent asks for a fraction of the
/// configured share), then ramped by slowstart: a server that came back after being down takes
/// weight * elapsed / slowstart (rounded up, at least 1) until `slowstart` has passed, so a cold cache is not
/// handed its full share of clients at once. Zero means the server takes no new sessions.
struct EffectiveWeight: Equatable {
    var value: Int
    /// When `value` next changes by itself because of the ramp; nil when it is steady.
    var nextChange: MonotonicInstant?

    init(config: ServerConfig, health: ServerHealth, at now: MonotonicInstant) {
        var weight = max(0, config.weight)
        if case .weightPercent(let percent) = health.agent {
            weight = weight * max(0, percent) / 100
        }
        value = weight
        nextChange = nil
        let window = config.slowstart.nanoseconds
        guard weight > 0, window > 0, health.cameBack, let upSince = health.upSince else { return }
        let elapsed = now.since(upSince).nanoseconds
        guard elapsed < window else { return }
        let ramped = Self.scaled(UInt64(weight), by: elapsed, over: window, roundingUp: true)
        value = max(1, Int(ramped))
        // The ramped weight first exceeds `value` one nanosecond after value * window / weight; the ramp ends at
        // `window` in any case.
        let step = Self.scaled(UInt64(value), by: window, over: UInt64(weight), roundingUp: false) + 1
        nextChange = upSince + .nanoseconds(Int64(min(step, window)))
    }

    /// `amount * numerator / denominator` without overflowing the product (the quotient must fit in 64 bits).
    private static func scaled(_ amount: UInt64, by numerator: UInt64, over denominator: UInt64, roundingUp: Bool)
        -> UInt64
    {
        let product = amount.multipliedFullWidth(by: numerator)
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        return roundingUp && remainder > 0 ? quotient + 1 : quotient
    }
}
