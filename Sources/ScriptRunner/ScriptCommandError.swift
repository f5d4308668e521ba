/// Why a command line cannot be run; `description` is a message for a config error.
public enum ScriptCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The line holds no words.
    case empty
    /// The program is not an absolute path.
    case relativePath(String)
    /// A double quote is opened and never closed.
    case unterminatedQuote
    /// A line break or NUL: one config value must not smuggle in a second command.
    case controlCharacter

    public var description: String {
        switch self {
        case .empty: return "no command"
        case .relativePath(let program): return "\"\(program)\" is not an absolute path"
        case .unterminatedQuote: return "unterminated double quote"
        case .controlCharacter: return "line breaks and NUL are not allowed in a command line"
        }
    }
}
