/// A program and its arguments, parsed from a keepalived-style command line such as
/// `/etc/pgfloat/notify.sh master`.
///
/// The line is split on spaces and tabs; double quotes group words with spaces (`"/opt/my scripts/x.sh" a`) and
/// may appear inside a word. There is no shell: no variables, globs, escapes or redirections, so what a config
/// file says is exactly what runs. The program must be an absolute path, because scripts run with a minimal
/// `PATH` and a `PATH` search would make the script's identity depend on the environment.
public struct ScriptCommand: Hashable, Sendable, CustomStringConvertible {
    /// The program first, then its arguments; never empty.
    public let arguments: [String]

    /// The program to run: an absolute path.
    public var path: String { arguments[0] }

    /// Parses `line`, or throws why it cannot be run.
    public init(parsing line: String) throws(ScriptCommandError) {
        try self.init(arguments: Self.split(line))
    }

    /// A command from words already split; the first must be an absolute path.
    public init(arguments: [String]) throws(ScriptCommandError) {
        guard let program = arguments.first else { throw .empty }
        guard program.hasPrefix("/") else { throw .relativePath(program) }
        self.arguments = arguments
    }

    /// This command with `extra` appended to its arguments, as keepalived's generic `notify` gets its four.
    public func appending(_ extra: [String]) -> ScriptCommand {
        // Appending keeps the first word, so the absolute-path invariant holds.
        ScriptCommand(unchecked: arguments + extra)
    }

    private init(unchecked arguments: [String]) {
        self.arguments = arguments
    }

    /// The words, quoted again where a space or a quote needs it, for logs.
    public var description: String {
        arguments.map { word in
            word.isEmpty || word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) ? "\"\(word)\"" : word
        }.joined(separator: " ")
    }

    /// Splits on unquoted spaces and tabs; `""` is an empty word.
    static func split(_ line: String) throws(ScriptCommandError) -> [String] {
        var words: [String] = []
        var word = ""
        // A word has started even if it is still empty: `""` counts as a word.
        var inWord = false
        var quoted = false
        for character in line {
            switch character {
            case "\"":
                quoted.toggle()
                inWord = true
            case " " where !quoted, "\t" where !quoted:
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "\n", "\r", "\0":
                throw .controlCharacter
            default:
                word.append(character)
                inWord = true
            }
        }
        guard !quoted else { throw .unterminatedQuote }
        if inWord { words.append(word) }
        return words
    }
}
