/// The answer to every command that only reads, from one snapshot, so the driver only has to carry out the
/// commands that change something.
public enum AdminReport {
    /// The text answering `command`, or nil when `command` changes state (the driver runs it and answers).
    ///
    /// `prompt` and `quit` answer nothing: ``AdminSession`` already acted on them.
    public static func output(for command: AdminCommand, snapshot: StatsSnapshot) -> String? {
        switch command {
        case .help: return HelpReport.render()
        case .prompt, .quit: return ""
        case .showInfo: return InfoReport.render(snapshot)
        case .showStat: return StatReport.render(snapshot)
        case .showServersState(let listener): return ServersStateReport.render(snapshot, listener: listener)
        case .showServersRoles: return ServerRolesReport.render(snapshot)
        case .showSessions: return SessionsReport.render(snapshot)
        case .showVRRP: return VRRPReport.render(snapshot)
        case .showDCS: return DCSReport.render(snapshot)
        case .setServerState, .setServerWeight, .disableServer, .enableServer, .shutdownSessions, .setVRRPState,
            .clearTimeline:
            return nil
        }
    }
}
