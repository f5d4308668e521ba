import HealthCore
import MonotonicTime

/// A track script's schedule and verdict, without I/O: the driver feeds it timer firings and run results with
/// the current instant, and performs the actions it returns.
///
/// Invariants: at most one run at a time (a tick that finds the last run still going skips it, as keepalived
/// does, rather than piling up scripts behind a hung one); one timer pending, identified by `id`, so a stale
/// firing is ignored; after ``stop()`` nothing is started or reported.
///
/// Rise/fall is HAProxy's single counter (``HealthCounter``): the first result counts as it is, then `fall`
/// consecutive failures turn an OK script failed and `rise` consecutive successes turn it OK again.
public struct TrackScriptMachine: Sendable {
    public enum Action: Hashable, Sendable {
        /// Start the script (with the settings' timeout) and call ``runFinished(_:)`` with its result.
        case startRun
        /// Call ``timerFired(id:at:)`` with `id` at `deadline`; it replaces any earlier timer.
        case armTimer(id: UInt64, at: MonotonicInstant)
        /// Tell the instance.
        case report(TrackScriptChange)
    }

    public let settings: TrackScriptSettings
    public private(set) var counter: HealthCounter
    public private(set) var isRunning = false
    /// Ticks that found the previous run still going, for logs and metrics.
    public private(set) var skippedRuns = 0
    private var timerID: UInt64 = 0
    /// When the current timer is due: the next tick is counted from it, so the schedule does not drift.
    private var due: MonotonicInstant?
    private var isStopped = false

    public init(settings: TrackScriptSettings) {
        self.settings = settings
        self.counter = HealthCounter(rise: settings.rise, fall: settings.fall)
    }

    public var status: TrackScriptStatus { Self.status(counter.state) }

    /// Runs the script at once and every `interval` from now.
    public mutating func start(at now: MonotonicInstant) -> [Action] {
        guard !isStopped, due == nil else { return [] }
        return tick(scheduledAt: now, now: now)
    }

    public mutating func timerFired(id: UInt64, at now: MonotonicInstant) -> [Action] {
        guard !isStopped, id == timerID, let scheduled = due else { return [] }
        return tick(scheduledAt: scheduled, now: now)
    }

    /// A run ended; its result goes through rise/fall.
    public mutating func runFinished(_ result: ScriptResult) -> [Action] {
        isRunning = false
        guard !isStopped, let transition = counter.record(success: result.succeeded) else { return [] }
        let from = Self.status(transition.from)
        let to = Self.status(transition.to)
        return [
            .report(
                TrackScriptChange(
                    name: settings.name, from: from, to: to, priorityAdjustment: settings.priorityAdjustment(for: to),
                    causesFault: settings.causesFault(to), result: result))
        ]
    }

    /// No more runs or reports; the driver kills a run in progress.
    public mutating func stop() {
        isStopped = true
        due = nil
        timerID &+= 1
    }

    private mutating func tick(scheduledAt scheduled: MonotonicInstant, now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        if isRunning {
            skippedRuns += 1
        } else {
            isRunning = true
            actions.append(.startRun)
        }
        // A late tick (the process was stopped, the machine suspended) starts a fresh schedule instead of
        // firing once for every missed interval.
        var next = scheduled + settings.interval
        if next <= now { next = now + settings.interval }
        timerID &+= 1
        due = next
        actions.append(.armTimer(id: timerID, at: next))
        return actions
    }

    private static func status(_ state: HealthCounter.State) -> TrackScriptStatus {
        switch state {
        case .unknown: return .unknown
        case .up: return .ok
        case .down: return .failed
        }
    }
}
