/// A session's slot in the data plane's table together with the generation the slot had, so that a reference
/// that outlives its session (a queue entry, an epoll event, a deferred pump) is recognised as stale instead of
/// acting on whichever session reuses the slot.
struct SessionRef: Hashable, Sendable {
    var slot: Int
    var generation: UInt32
}
