// One admin-socket connection, as HAProxy's CLI runs it:
//
// - Non-interactive (the start state, what `echo "show stat" | socat stdio ...` uses): the first line is
//   answered, then the connection is closed.
// - Interactive (after `prompt`): every line is answered, then `> ` is written; the connection stays open until
//   `quit`, `prompt` again (back to non-interactive, so it closes after that line) or end of input.
//
// The driver reads one line at a time (up to `maxLineBytes`), hands it to `receive(line:)`, runs the step's
// commands in order writing `AdminResponse.frame(output)` for each, writes the step's trailer, and closes if told.

/// The pure state of one admin-socket connection: which mode it is in, and what to do with each line.
public struct AdminSession: Equatable, Sendable {
    /// The longest line read, in bytes, newline excluded; the driver stops reading there and calls
    /// ``receiveOversizedLine()``. HAProxy's own limit is its buffer size (16 KiB by default); 64 KiB leaves room
    /// for long `;`-joined runbook lines.
    public static let maxLineBytes = 64 * 1024

    /// True after `prompt`.
    public private(set) var isInteractive = false

    /// A new connection: non-interactive until `prompt`.
    public init() {}

    /// What to do with one line: its commands in order (parse errors included, to be answered with their
    /// message), the trailer and whether to close.
    ///
    /// `prompt` toggles the mode here and stays in the list (its answer is empty); `quit` ends the list: the
    /// commands after it on the same line are not run.
    public mutating func receive(line: String) -> AdminSessionStep {
        var commands: [Result<AdminCommand, AdminCommandError>] = []
        var quit = false
        for text in AdminCommandLine.split(line) {
            let command = AdminCommand.parse(text)
            if command == .success(.quit) {
                quit = true
                break
            }
            if command == .success(.prompt) { isInteractive.toggle() }
            commands.append(command)
        }
        let close = quit || !isInteractive
        return AdminSessionStep(commands: commands, trailer: close ? "" : AdminResponse.prompt, close: close)
    }

    /// The answer to a line longer than ``maxLineBytes``: an error, then close, in either mode, since the rest of
    /// the stream can no longer be cut into lines we trust.
    public func receiveOversizedLine() -> AdminSessionStep {
        AdminSessionStep(commands: [.failure(.lineTooLong)], trailer: "", close: true)
    }
}

/// What the driver does with one line.
public struct AdminSessionStep: Equatable, Sendable {
    /// To run in order; a failure is answered with its message.
    public var commands: [Result<AdminCommand, AdminCommandError>]
    /// Written after all the answers: the prompt when interactive, else nothing.
    public var trailer: String
    /// Whether to close the connection once the answers and the trailer are written.
    public var close: Bool

    /// A step doing exactly what its arguments say (for tests and drivers that build their own).
    public init(commands: [Result<AdminCommand, AdminCommandError>], trailer: String, close: Bool) {
        self.commands = commands
        self.trailer = trailer
        self.close = close
    }
}
