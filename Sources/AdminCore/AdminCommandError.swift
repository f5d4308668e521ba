/// Why a command was refused: the one-line message the operator sees, worded as HAProxy words it where HAProxy
/// has the same command, so runbooks that match on it keep working.
public struct AdminCommandError: Error, Equatable, Sendable {
    /// Always one line: unprintable characters are replaced, so echoing hostile input cannot forge output lines.
    public let message: String

    /// An error with `message`, which is made one line if it is not.
    public init(_ message: String) {
        self.message = Escaping.printable(message)
    }

    /// How much of the operator's input an error echoes: enough to recognise a typo, never a flood.
    static let echoLimit = 80

    static func unknownCommand<S: StringProtocol>(_ words: some Collection<S>) -> AdminCommandError {
        let echo = Escaping.printable(words.joined(separator: " "), limit: echoLimit)
        return AdminCommandError("Unknown command: '\(echo)'. Type 'help' for the list.")
    }

    static func unexpectedArgument(_ word: Substring) -> AdminCommandError {
        AdminCommandError("Unexpected argument: '\(Escaping.printable(word, limit: echoLimit))'.")
    }

    static let emptyCommand = AdminCommandError("Empty command. Type 'help' for the list.")
    static let requireServer = AdminCommandError("Require 'backend/server'.")
    static let badServerState = AdminCommandError(
        "'set server <srv> state' expects 'ready', 'drain' and 'maint'.")
    static let badSetServer = AdminCommandError("'set server <srv>' only supports 'state' and 'weight'.")
    static let badWeight = AdminCommandError(
        "Weight must be an integer between 0 and \(AdminCommand.maxWeight).")
    static let requireVRRPInstance = AdminCommandError("Require a VRRP instance name.")
    static let badVRRPState = AdminCommandError("'set vrrp <name> state' expects 'backup' and 'auto'.")
    static let noSuchBackend = AdminCommandError("No such backend.")
    static let noSuchServer = AdminCommandError("No such server.")

    /// The answer to a line longer than ``AdminSession/maxLineBytes``.
    static let lineTooLong = AdminCommandError(
        "Line too long: the limit is \(AdminSession.maxLineBytes) bytes.")
}
