import ConfigModel
import Foundation
import HealthCore
import NIOCore
import ScriptRunner

/// `type = "external"`: runs the configured command; exit status 0 means reachable, and a `role=primary` or
/// `role=replica` line on stdout gives the role.
///
/// The script runs through a `ScriptLauncher` (its own thread, killed with its process group at the timeout),
/// never on the event loop, and its result completes a promise on the loop. It sees only `PATH` and the server's
/// name, address and port, as HAProxy's external-check passes them, so nothing of the daemon's environment leaks
/// into it.
final class ExternalProbe: HealthProbe, @unchecked Sendable {
    private let command: Result<ScriptCommand, ScriptCommandError>
    private let environment: [String: String]
    private let timeout: Duration
    private let eventLoop: EventLoop
    private let launcher: ScriptLauncher
    private let lock = NSLock()
    /// The runs in progress by number; guarded by `lock` so that `shutdown()` can kill them from any thread.
    private var running: [UInt64: ScriptHandle] = [:]
    private var nextRun: UInt64 = 0
    private var isShutDown = false

    /// - Parameters:
    ///   - port: Passed as `PGFLOAT_SERVER_PORT`: the server's port unless the check has its own.
    ///   - launcher: Runs the script; the default runs it as the daemon's user without the security check, as
    ///     HAProxy's external-check does. Pass the daemon's launcher to apply `script_user` and the check.
    init(
        server: ServerConfig, port: Int, settings: CheckSettings, eventLoop: EventLoop,
        launcher: ScriptLauncher = .asDaemonUser
    ) {
        self.command = Result { () throws(ScriptCommandError) in try ScriptCommand(parsing: settings.command ?? "") }
        self.environment = [
            "PATH": "/usr/bin:/bin",
            "PGFLOAT_SERVER_NAME": server.name,
            "PGFLOAT_SERVER_ADDR": server.address.host,
            "PGFLOAT_SERVER_PORT": "\(port)",
        ]
        self.timeout = settings.timeout
        self.eventLoop = eventLoop
        self.launcher = launcher
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        let command: ScriptCommand
        switch self.command {
        case .success(let parsed): command = parsed
        case .failure(.empty): return eventLoop.makeSucceededFuture(.failed("no command configured"))
        case .failure(let error): return eventLoop.makeSucceededFuture(.failed("invalid command: \(error)"))
        }
        let promise = eventLoop.makePromise(of: CheckOutcome.self)
        let timeout = timeout
        // Started under the lock so that a concurrent shutdown either prevents the run or sees it and kills it;
        // the completion takes the lock too, so it cannot remove the run before it is recorded.
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else {
            promise.succeed(.failed("probe is shut down"))
            return promise.futureResult
        }
        let number = nextRun
        nextRun += 1
        running[number] = launcher.run(command, environment: environment, timeout: timeout) { [self] result in
            lock.lock()
            running[number] = nil
            lock.unlock()
            promise.succeed(Self.outcome(result, timeout: timeout).measured(from: start))
        }
        return promise.futureResult
    }

    func shutdown() -> EventLoopFuture<Void> {
        lock.lock()
        isShutDown = true
        for run in running.values { run.kill() }
        lock.unlock()
        return eventLoop.makeSucceededVoidFuture()
    }

    /// The verdict on a finished run.
    static func outcome(_ result: ScriptResult, timeout: Duration) -> CheckOutcome {
        let complaint = firstLine(result.stderr)
        switch result.termination {
        case .exited(0):
            return CheckOutcome(reachable: true, role: role(in: result.stdout))
        case .exited(let status):
            return .failed("exit status \(status)" + (complaint.map { ": \($0)" } ?? ""))
        case .signaled(let signal):
            return .failed("killed by signal \(signal)" + (complaint.map { ": \($0)" } ?? ""))
        case .timedOut:
            return .failed("\(ProbeFailure.timedOut(after: timeout)), killed")
        case .notStarted(let reason):
            return .failed(reason)
        }
    }

    /// The role a `role=primary` or `role=replica` line names; the first such line counts.
    static func role(in stdout: [UInt8]) -> ServerRole {
        let lines = String(decoding: stdout, as: UTF8.self).split(whereSeparator: \.isNewline)
        for line in lines {
            switch line.trimmingCharacters(in: .whitespaces).lowercased() {
            case "role=primary": return .primary
            case "role=replica": return .replica
            default: continue
            }
        }
        return .unknown
    }

    /// The first non-blank line of `output`, trimmed; what a failing script says about why.
    static func firstLine(_ output: [UInt8]) -> String? {
        String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty }
    }
}
