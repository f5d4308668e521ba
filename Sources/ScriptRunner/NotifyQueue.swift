import Foundation

/// Runs one VRRP instance's notify hooks strictly one at a time, in the order they were submitted; each may run
/// for `timeout`, then it is killed with its process group and the next one starts.
///
/// The VRRP thread calls ``submit(hooks:state:priority:)`` on each transition and returns at once; the hooks of
/// a quick MASTER -> BACKUP -> MASTER flap run as three complete calls in that order, never overlapping, so a
/// script that moves a resource always ends in the state the router ended in.
///
/// `onFinished` gets every job's result, in submission order, before the next job starts; it runs on the
/// job's thread, so it must not block for long (log and return).
public final class NotifyQueue: @unchecked Sendable {
    public let instance: String
    public let timeout: Duration
    private let launcher: ScriptLauncher
    private let environment: [String: String]
    private let onFinished: @Sendable (NotifyJob, ScriptResult) -> Void

    private let lock = NSLock()
    private var state = NotifyQueueState<NotifyJob>()
    private var nextSequence: UInt64 = 0
    /// The run of `state.running`; nil while idle.
    private var current: ScriptHandle?
    private var idleCallbacks: [@Sendable () -> Void] = []
    private var isClosed = false

    /// - Parameters:
    ///   - instance: The VRRP instance, for the generic hook's arguments.
    ///   - environment: Extra variables every hook sees besides `PATH`.
    public init(
        instance: String, launcher: ScriptLauncher, timeout: Duration, environment: [String: String] = [:],
        onFinished: @escaping @Sendable (NotifyJob, ScriptResult) -> Void = { _, _ in }
    ) {
        self.instance = instance
        self.launcher = launcher
        self.timeout = timeout
        self.environment = environment
        self.onFinished = onFinished
    }

    /// Queues the hooks for entering `state` (see ``NotifyHooks/commands(instance:state:priority:)``).
    public func submit(hooks: NotifyHooks, state: NotifyState, priority: Int) {
        submit(hooks.commands(instance: instance, state: state, priority: priority), state: state)
    }

    /// Queues `commands` as one block: nothing submitted meanwhile from another thread lands between them.
    public func submit(_ commands: [ScriptCommand], state: NotifyState? = nil) {
        var refused: [NotifyJob] = []
        lock.lock()
        for command in commands {
            let job = NotifyJob(sequence: nextSequence, command: command, state: state)
            nextSequence += 1
            if isClosed {
                refused.append(job)
            } else if let startNow = self.state.submit(job) {
                launchLocked(startNow)
            }
        }
        lock.unlock()
        for job in refused { onFinished(job, ScriptResult(termination: .notStarted("notify queue closed"))) }
    }

    /// Calls `callback` once nothing is running or waiting: at once if so already. The daemon waits for this
    /// after queueing the STOP hooks at shutdown.
    public func whenIdle(_ callback: @escaping @Sendable () -> Void) {
        lock.lock()
        guard state.isIdle else {
            idleCallbacks.append(callback)
            lock.unlock()
            return
        }
        lock.unlock()
        callback()
    }

    /// Drops the waiting hooks, kills the running one, and refuses later ones (the instance was removed).
    /// Every dropped job is still reported to `onFinished`.
    public func close() {
        lock.lock()
        isClosed = true
        let dropped = state.dropWaiting()
        current?.kill()
        lock.unlock()
        for job in dropped { onFinished(job, ScriptResult(termination: .notStarted("notify queue closed"))) }
    }

    /// Starts `job`; the caller holds `lock`, so the completion (which takes it) cannot overtake `current`.
    private func launchLocked(_ job: NotifyJob) {
        current = launcher.run(job.command, environment: environment, timeout: timeout) { [self] result in
            ended(job, result)
        }
    }

    private func ended(_ job: NotifyJob, _ result: ScriptResult) {
        // Reported before the next job starts, so reports arrive in submission order too.
        onFinished(job, result)
        lock.lock()
        current = nil
        if let next = state.finished() { launchLocked(next) }
        var callbacks: [@Sendable () -> Void] = []
        if state.isIdle { swap(&callbacks, &idleCallbacks) }
        lock.unlock()
        for callback in callbacks { callback() }
    }
}
