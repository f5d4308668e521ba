import ConfigModel
import Foundation

/// The child's side of parsing a configuration in a separate process (see ``IsolatedConfigParser``), and the
/// answer it sends back.
///
/// The child is the daemon's own executable run as `pgfloat parse-config --path FILE` (a hidden subcommand): it
/// reads the file's text on stdin, parses and validates it, writes one ``ConfigParserAnswer`` as JSON on stdout and
/// exits 0. An assertion in toml++ aborts the child instead of the daemon.
public enum ConfigParserChild {
    /// The hidden subcommand of the `pgfloat` CLI that runs the child.
    public static let subcommand = "parse-config"

    /// A failure a test asks the child for: no real input is known that trips a toml++ assertion past
    /// `TOMLCrashGuard`, and integration tests run the real binary.
    public enum Fault: String, CaseIterable, Sendable {
        /// abort() before parsing: SIGABRT, as a failed toml++ assertion.
        case abort = "PGFLOAT_TEST_PARSER_ABORT_ON"
        /// Sleep instead of answering, until the parent kills it.
        case hang = "PGFLOAT_TEST_PARSER_HANG_ON"

        /// The environment variable that asks for it: when the daemon's environment sets it to a non-empty string
        /// and the text contains that string, the child fails this way. The daemon passes the variables on to the
        /// child; only the child reads them.
        public var variable: String { rawValue }
    }

    /// The arguments after the executable that start the child for the file at `path`.
    static func arguments(path: String) -> [String] { [subcommand, "--path", path] }

    /// The failure a test asks this child for on `text`, if any.
    public static func injectedFault(into text: String, environment: [String: String]) -> Fault? {
        Fault.allCases.first { fault in
            guard let marker = environment[fault.variable], !marker.isEmpty else { return false }
            return text.contains(marker)
        }
    }

    /// What the child writes on stdout for `text`: the problems of `ConfigLoader.load`, none for a valid file.
    public static func answer(text: String, path: String) -> Data {
        let problems: [ConfigProblem]
        do {
            _ = try ConfigLoader.load(text: text, path: path)
            problems = []
        } catch let errors as ConfigErrors {
            problems = errors.problems
        } catch {
            problems = [ConfigProblem(file: path, line: 0, key: "-", message: "\(error)")]
        }
        // Encoding plain strings and integers cannot fail.
        return (try? JSONEncoder().encode(ConfigParserAnswer(problems))) ?? Data()
    }
}

/// The child's verdict on stdout: the problems it found, none when the text is a valid configuration.
struct ConfigParserAnswer: Codable, Equatable {
    /// `ConfigProblem` as JSON; kept here so that the wire format is the daemon's, not the model's.
    struct Problem: Codable, Equatable {
        var file: String
        var line: Int
        var key: String
        var message: String
    }

    var problems: [Problem]

    init(_ problems: [ConfigProblem]) {
        self.problems = problems.map { Problem(file: $0.file, line: $0.line, key: $0.key, message: $0.message) }
    }

    /// The answer in `bytes`, or nil when they are not one (a child that printed something else).
    static func decode(_ bytes: [UInt8]) -> ConfigParserAnswer? {
        try? JSONDecoder().decode(ConfigParserAnswer.self, from: Data(bytes))
    }

    var configProblems: [ConfigProblem] {
        problems.map { ConfigProblem(file: $0.file, line: $0.line, key: $0.key, message: $0.message) }
    }
}
