import ConfigModel
import Dispatch
import Foundation
import HealthCore
import NIOCore

/// `type = "external"`: runs the configured command; exit status 0 means reachable, and a `role=primary` or
/// `role=replica` line on stdout gives the role.
///
/// The script runs on a Dispatch thread (waiting for a process blocks), never on the event loop, and its result
/// completes a promise on the loop. It sees only `PATH` and the server's name, address and port, as HAProxy's
/// external-check passes them, so nothing of the daemon's environment leaks into it.
final class ExternalProbe: HealthProbe, @unchecked Sendable {
    private let argv: [String]
    private let environment: [String]
    private let timeout: Duration
    private let eventLoop: EventLoop
    private let lock = NSLock()
    /// The script now running; guarded by `lock` so that `shutdown()` can kill it from any thread.
    private var running: ScriptRun?
    private var isShutDown = false

    /// - Parameter port: Passed as `PGFLOAT_SERVER_PORT`: the server's port unless the check has its own.
    init(server: ServerConfig, port: Int, settings: CheckSettings, eventLoop: EventLoop) {
        self.argv = (settings.command ?? "").split(separator: " ").map(String.init)
        self.environment = [
            "PATH=/usr/bin:/bin",
            "PGFLOAT_SERVER_NAME=\(server.name)",
            "PGFLOAT_SERVER_ADDR=\(server.address.host)",
            "PGFLOAT_SERVER_PORT=\(port)",
        ]
        self.timeout = settings.timeout
        self.eventLoop = eventLoop
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        let deadline = start + timeout.timeAmount
        let promise = eventLoop.makePromise(of: CheckOutcome.self)
        DispatchQueue.global().async {
            let result = self.run(until: deadline)
            promise.succeed(Self.outcome(result, timeout: self.timeout).measured(from: start))
        }
        return promise.futureResult
    }

    func shutdown() -> EventLoopFuture<Void> {
        lock.lock()
        isShutDown = true
        running?.kill()
        lock.unlock()
        return eventLoop.makeSucceededVoidFuture()
    }

    private func run(until deadline: NIODeadline) -> ScriptResult {
        guard !argv.isEmpty else { return ScriptResult(termination: .notStarted("no command configured")) }
        lock.lock()
        guard !isShutDown else {
            lock.unlock()
            return ScriptResult(termination: .notStarted("probe is shut down"))
        }
        // Spawned under the lock so that a concurrent shutdown either prevents the run or sees it and kills it.
        let spawned = ScriptRun.spawn(argv: argv, environment: environment)
        running = try? spawned.get()
        lock.unlock()
        let result: ScriptResult
        switch spawned {
        case .success(let script): result = script.wait(until: deadline)
        case .failure(let failure): result = ScriptResult(termination: .notStarted(failure.description))
        }
        lock.lock()
        running = nil
        lock.unlock()
        return result
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
