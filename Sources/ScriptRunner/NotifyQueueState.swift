/// The rule of a ``NotifyQueue``, without I/O: one job at a time, in submission order.
///
/// States: idle (nothing running, nothing waiting) or busy (one job running, zero or more waiting). A job is
/// started only by ``submit(_:)`` on an idle queue or by ``finished()``, so two never overlap and none overtakes
/// another: a BACKUP hook never runs before the MASTER hook of the transition before it.
public struct NotifyQueueState<Job: Sendable>: Sendable {
    /// The job now running; nil when idle.
    public private(set) var running: Job?
    /// Jobs waiting, oldest first.
    public private(set) var waiting: [Job] = []

    public init() {}

    public var isIdle: Bool { running == nil }

    /// Accepts `job`; returns it if it must start now (the queue was idle), nil if it waits its turn.
    public mutating func submit(_ job: Job) -> Job? {
        guard running == nil else {
            waiting.append(job)
            return nil
        }
        running = job
        return job
    }

    /// The running job ended; returns the next one to start, or nil (the queue is now idle).
    public mutating func finished() -> Job? {
        // Notify queues hold a handful of jobs at most, so removeFirst's copy costs nothing worth a deque.
        running = waiting.isEmpty ? nil : waiting.removeFirst()
        return running
    }

    /// Drops the waiting jobs and returns them; the running one, if any, stays.
    public mutating func dropWaiting() -> [Job] {
        defer { waiting = [] }
        return waiting
    }
}
