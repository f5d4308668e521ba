import Foundation

/// A script run that ``ScriptLauncher/run(_:environment:timeout:completion:)`` has accepted; lets its owner
/// kill it, for instance when shutting down.
///
/// States: pending (not yet spawned) -> running -> finished, or pending -> cancelled. `kill()` in pending stops
/// the spawn, in running kills the process group; later it does nothing.
public final class ScriptHandle: @unchecked Sendable {
    private enum State {
        case pending
        case running(ScriptProcess)
        case cancelled
        case finished
    }

    /// What ``start(_:)`` did.
    enum Start {
        case running(ScriptProcess)
        case cancelled
        case failed(ScriptSpawnError)
    }

    private let lock = NSLock()
    private var state = State.pending

    init() {}

    /// Kills the script and what it started, or keeps it from starting. Its completion still runs, with
    /// `.signaled(SIGKILL)` or `.notStarted`.
    public func kill() {
        lock.lock()
        defer { lock.unlock() }
        switch state {
        case .pending: state = .cancelled
        case .running(let process): process.kill()
        case .cancelled, .finished: break
        }
    }

    /// Spawns under the lock, so a concurrent ``kill()`` either prevents the start or sees the process.
    func start(_ spawn: () -> Result<ScriptProcess, ScriptSpawnError>) -> Start {
        lock.lock()
        defer { lock.unlock() }
        guard case .pending = state else { return .cancelled }
        switch spawn() {
        case .success(let process):
            state = .running(process)
            return .running(process)
        case .failure(let error):
            state = .finished
            return .failed(error)
        }
    }

    /// Marks the run over; the process has been reaped.
    func finish() {
        lock.lock()
        state = .finished
        lock.unlock()
    }
}
