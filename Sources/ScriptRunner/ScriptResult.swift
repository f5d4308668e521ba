/// How a script ended and the start of what it printed, for the caller's verdict and logs.
public struct ScriptResult: Hashable, Sendable {
    public enum Termination: Hashable, Sendable {
        /// It exited by itself with this status.
        case exited(Int32)
        /// A signal from outside the runner ended it (or the runner's own kill on shutdown).
        case signaled(Int32)
        /// It ran past its timeout and was killed with its process group.
        case timedOut
        /// It did not run: refused as insecure, unable to start, or cancelled first; the text says why.
        case notStarted(String)
    }

    public var termination: Termination
    /// The start of its standard output, at most ``ScriptProcess/outputLimit`` bytes.
    public var stdout: [UInt8]
    /// The start of its standard error, at most ``ScriptProcess/outputLimit`` bytes.
    public var stderr: [UInt8]

    public init(termination: Termination, stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Exit status 0: what notify hooks and track scripts count as success.
    public var succeeded: Bool { termination == .exited(0) }

    /// stdout as text, invalid UTF-8 replaced.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr as text, invalid UTF-8 replaced.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// "exit status 1", "killed by signal 9", "timed out, killed", or why it did not start: for a log line.
    public var summary: String {
        switch termination {
        case .exited(let status): return "exit status \(status)"
        case .signaled(let signal): return "killed by signal \(signal)"
        case .timedOut: return "timed out, killed"
        case .notStarted(let reason): return "not started: \(reason)"
        }
    }
}
