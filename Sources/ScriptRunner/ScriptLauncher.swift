import Foundation
import MonotonicTime

/// Runs scripts under one ``ScriptPolicy`` without blocking the caller: each run gets its own thread, which
/// checks the script's security, spawns it, collects its output, kills it at its timeout and then calls the
/// completion.
///
/// A thread per run, not a shared queue: waiting for a process blocks, and a Dispatch pool whose workers are
/// blocked may add new ones only after a delay, which would hold back a notify hook behind a slow health check.
/// Runs are rare (a track script every few seconds, a hook per transition), so the threads are cheap.
public final class ScriptLauncher: Sendable {
    public let policy: ScriptPolicy

    public init(policy: ScriptPolicy = ScriptPolicy()) {
        self.policy = policy
    }

    /// Starts `command` and returns at once; `completion` runs later on the run's own thread, exactly once.
    ///
    /// - Parameters:
    ///   - environment: Variables besides `PATH` (which it may replace); see ``ScriptEnvironment``.
    ///   - timeout: Counted from when the run starts; the script and its process group are then killed.
    ///   - completion: Gets the result; keep it short or hand it off, it holds the run's thread.
    @discardableResult
    public func run(
        _ command: ScriptCommand, environment: [String: String] = [:], timeout: Duration,
        completion: @escaping @Sendable (ScriptResult) -> Void
    ) -> ScriptHandle {
        let handle = ScriptHandle()
        let environment = ScriptEnvironment.build(environment)
        let policy = policy
        let thread = Thread {
            completion(
                Self.execute(command, environment: environment, timeout: timeout, policy: policy, handle: handle))
        }
        thread.name = "pgfloat-script"
        thread.start()
        return handle
    }

    /// The blocking part: check, spawn, wait.
    private static func execute(
        _ command: ScriptCommand, environment: [String], timeout: Duration, policy: ScriptPolicy, handle: ScriptHandle
    ) -> ScriptResult {
        let deadline = ScriptClock.now() + timeout
        if policy.enforcesSecurity,
            let problem = ScriptSecurity.check(command.path, user: policy.user ?? ScriptUser.current)
        {
            handle.finish()
            return ScriptResult(termination: .notStarted("refused: \(problem)"))
        }
        let result: ScriptResult
        switch handle.start({ ScriptProcess.spawn(command, environment: environment, user: policy.user) }) {
        case .running(let process): result = process.wait(until: deadline)
        case .cancelled: result = ScriptResult(termination: .notStarted("cancelled before it started"))
        case .failed(let error): result = ScriptResult(termination: .notStarted(error.description))
        }
        handle.finish()
        return result
    }
}
