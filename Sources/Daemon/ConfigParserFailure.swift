import ConfigModel
import Foundation

/// Why a configuration could not be judged: the parser's child process crashed, hung or could not start. The
/// file may be fine or not; nothing of it is used.
public struct ConfigParserFailure: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Killed by this signal: an assertion in toml++ (SIGABRT), or any other crash.
        case signaled(Int32)
        /// Ended without a readable answer, with this exit status.
        case noAnswer(status: Int32)
        /// No answer within this time; the child was killed.
        case timedOut(Duration)
        /// It could not be started; the text says why.
        case notStarted(String)
    }

    /// The configuration file.
    public var file: String
    public var reason: Reason
    /// The last line the child wrote on stderr (toml++'s assertion message, Swift's fatal error), or empty.
    public var detail: String

    public init(file: String, reason: Reason, detail: String = "") {
        self.file = file
        self.reason = reason
        self.detail = detail
    }

    /// What happened, for "reload failed: ...": "the configuration parser crashed".
    public var summary: String {
        switch reason {
        case .signaled, .noAnswer: return "the configuration parser crashed"
        case .timedOut(let limit): return "the configuration parser did not answer within \(limit), killed"
        case .notStarted(let why): return "cannot start the configuration parser: \(why)"
        }
    }

    /// The signal or exit status and the child's last words, as log metadata.
    public var metadata: [String: String] {
        var fields = ["file": file]
        switch reason {
        case .signaled(let signal): fields["signal"] = "\(signal) (\(Self.name(signal)))"
        case .noAnswer(let status): fields["status"] = "\(status)"
        case .timedOut, .notStarted: break
        }
        if !detail.isEmpty { fields["detail"] = detail }
        return fields
    }

    /// "the configuration parser crashed (signal 6, Aborted): ...", for a problem line.
    public var description: String {
        var text = summary
        switch reason {
        case .signaled(let signal): text += " (signal \(signal), \(Self.name(signal)))"
        case .noAnswer(let status): text += " (exit status \(status) without an answer)"
        case .timedOut, .notStarted: break
        }
        return detail.isEmpty ? text : "\(text): \(detail)"
    }

    /// As `pgfloat check` and a failed start print it: `FILE:0: -: the configuration parser crashed (...)`.
    public var problem: ConfigProblem {
        ConfigProblem(file: file, line: 0, key: "-", message: description)
    }

    /// "Aborted", "Segmentation fault".
    static func name(_ signal: Int32) -> String {
        strsignal(signal).map { String(cString: $0) } ?? "unknown signal"
    }
}
