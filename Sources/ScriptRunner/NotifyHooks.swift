/// One VRRP instance's notify commands (keepalived's `notify_master`, `notify_backup`, `notify_fault`,
/// `notify_stop` and `notify`), and the argument convention they are run with.
public struct NotifyHooks: Hashable, Sendable {
    public var master: ScriptCommand?
    public var backup: ScriptCommand?
    public var fault: ScriptCommand?
    public var stop: ScriptCommand?
    /// Run on every transition with `INSTANCE <name> <STATE> <priority>` appended.
    public var generic: ScriptCommand?

    public init(
        master: ScriptCommand? = nil, backup: ScriptCommand? = nil, fault: ScriptCommand? = nil,
        stop: ScriptCommand? = nil, generic: ScriptCommand? = nil
    ) {
        self.master = master
        self.backup = backup
        self.fault = fault
        self.stop = stop
        self.generic = generic
    }

    /// The commands to run, in order, when `instance` enters `state` with `priority`: the state's own hook as
    /// configured, then the generic one with its four arguments, the order keepalived runs them in
    /// (`vrrp_notify.c`), so scripts written for keepalived see the same calls.
    public func commands(instance: String, state: NotifyState, priority: Int) -> [ScriptCommand] {
        var commands: [ScriptCommand] = []
        if let specific = specific(for: state) { commands.append(specific) }
        if let generic {
            commands.append(Self.genericArguments(generic, instance: instance, state: state, priority: priority))
        }
        return commands
    }

    /// The hook configured for `state`, run with exactly the arguments it was given.
    public func specific(for state: NotifyState) -> ScriptCommand? {
        switch state {
        case .master: return master
        case .backup: return backup
        case .fault: return fault
        case .stop: return stop
        }
    }

    /// keepalived's generic notify convention: `<command> INSTANCE <name> <STATE> <priority>`.
    public static func genericArguments(
        _ command: ScriptCommand, instance: String, state: NotifyState, priority: Int
    ) -> ScriptCommand {
        command.appending(["INSTANCE", instance, state.rawValue, String(priority)])
    }
}
