/// One notify command accepted by a ``NotifyQueue``.
public struct NotifyJob: Hashable, Sendable {
    /// 0, 1, 2, ... in submission order within its queue.
    public var sequence: UInt64
    public var command: ScriptCommand
    /// The state the command announces, for logs; nil for a command submitted on its own.
    public var state: NotifyState?

    public init(sequence: UInt64, command: ScriptCommand, state: NotifyState? = nil) {
        self.sequence = sequence
        self.command = command
        self.state = state
    }
}
