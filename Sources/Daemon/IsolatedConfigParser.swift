import ConfigModel
import Dispatch
import Foundation
import MonotonicTime
import ScriptRunner

/// Loads a configuration only after a child process has parsed and validated the same text, so that an assertion
/// in toml++ (the C++ parser inside TOMLKit) ends the child, not the daemon and every client session with it.
///
/// The caller reads the file once and passes its text; the child gets it on stdin and answers with the problems
/// it found (``ConfigParserChild``). Only when it answered "no problems" does this process parse the text
/// itself; the child has just shown that the parser survives it. A child that crashes, exits without an answer
/// or outlives ``timeout`` (it is then killed with its process group) is a ``ConfigParserFailure``.
///
/// Contract: ``load(text:path:)`` blocks for up to ``timeout``; call it where blocking is allowed (the control
/// queue, the CLI), never on an event loop or the data-plane thread.
public struct IsolatedConfigParser: Sendable {
    /// The daemon's own executable; the kernel resolves it even after a package upgrade replaced the file, so
    /// the child is the same build as the parent.
    public static let ownExecutable = "/proc/self/exe"
    /// A parse takes milliseconds; this bounds a child stuck in a loop.
    public static let defaultTimeout: Duration = .seconds(10)
    /// The answer lists every problem; a file of a few thousand lines fits many times over.
    static let answerLimit = 1 << 20

    let executable: String
    let timeout: Duration
    let environment: [String: String]

    /// The daemon's own executable, the default timeout, and the daemon's environment for the test hook.
    public init() {
        self.init(executable: Self.ownExecutable, timeout: Self.defaultTimeout)
    }

    /// - Parameters:
    ///   - executable: An absolute path, started with the arguments of ``ConfigParserChild``; tests pass scripts.
    ///   - environment: Where the ``ConfigParserChild/Fault`` variables are looked up to pass on to the child.
    init(
        executable: String, timeout: Duration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.executable = executable
        self.timeout = timeout
        self.environment = environment
    }

    /// Parses and validates `text`, the contents of the file at `path`.
    ///
    /// - Throws: ``ConfigErrors`` with every problem and its line, or ``ConfigParserFailure`` when the child did
    ///   not answer.
    public func load(text: String, path: String) throws -> PGFloatConfig {
        let problems = try screen(text: text, path: path)
        guard problems.isEmpty else { throw ConfigErrors(problems) }
        return try ConfigLoader.load(text: text, path: path)
    }

    /// The child's verdict on `text`: its problems, or none.
    func screen(text: String, path: String) throws(ConfigParserFailure) -> [ConfigProblem] {
        let command: ScriptCommand
        do {
            command = try ScriptCommand(arguments: [executable] + ConfigParserChild.arguments(path: path))
        } catch {
            throw ConfigParserFailure(file: path, reason: .notStarted("\(error)"))
        }
        let process: ScriptProcess
        switch ScriptProcess.spawn(
            command, environment: childEnvironment(), input: Array(text.utf8), outputLimit: Self.answerLimit)
        {
        case .success(let started): process = started
        case .failure(let error): throw ConfigParserFailure(file: path, reason: .notStarted(error.description))
        }
        let now = MonotonicInstant(nanoseconds: DispatchTime.now().uptimeNanoseconds)
        let result = process.wait(until: now + timeout)
        let detail = Self.lastLine(result.stderrText)
        switch result.termination {
        case .exited(0):
            guard let answer = ConfigParserAnswer.decode(result.stdout) else {
                throw ConfigParserFailure(file: path, reason: .noAnswer(status: 0), detail: detail)
            }
            return answer.configProblems
        case .exited(let status):
            throw ConfigParserFailure(file: path, reason: .noAnswer(status: status), detail: detail)
        case .signaled(let signal):
            throw ConfigParserFailure(file: path, reason: .signaled(signal), detail: detail)
        case .timedOut:
            throw ConfigParserFailure(file: path, reason: .timedOut(timeout), detail: detail)
        case .notStarted(let why):
            throw ConfigParserFailure(file: path, reason: .notStarted(why))
        }
    }

    /// Nothing of the daemon's environment but the test hooks. Swift's backtracer is off: it would spend seconds
    /// symbolicating a crash the parent reports anyway, and print pages of it.
    private func childEnvironment() -> [String] {
        var variables = ["SWIFT_BACKTRACE": "enable=no"]
        for fault in ConfigParserChild.Fault.allCases { variables[fault.variable] = environment[fault.variable] }
        return ScriptEnvironment.build(variables)
    }

    /// The last non-empty line of `text`, at most 300 characters, for a log line.
    static func lastLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) } ?? ""
        return String(line.trimmingCharacters(in: .whitespaces).prefix(300))
    }
}
