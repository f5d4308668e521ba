/// `help`: every command with a one-line description, laid out as HAProxy's help is.
public enum HelpReport {
    /// Usage and description of each command, in the order an operator reaches for them.
    static let commands: [(usage: String, description: String)] = [
        ("help", "this message"),
        ("prompt", "toggle interactive mode with prompt"),
        ("quit", "disconnect"),
        ("show info", "report information about the running process"),
        ("show stat", "report counters for each listener and server (HAProxy CSV)"),
        ("show servers state [<listener>]", "dump server states (HAProxy's server-state format)"),
        ("show servers roles", "report each server's role, timeline and replication lag"),
        ("show sess | show sessions", "report the list of current client sessions"),
        ("show vrrp", "report the state of each VRRP instance"),
        ("show dcs", "report the store Patroni's leader is followed in"),
        ("set server <l>/<s> state ready|drain|maint", "change a server's administrative state"),
        ("set server <l>/<s> weight <0-256>", "change a server's weight"),
        ("set weight <l>/<s> <0-256>", "change a server's weight (older spelling)"),
        ("disable server <l>/<s>", "put a server in maintenance (state maint)"),
        ("enable server <l>/<s>", "take a server out of maintenance (state ready)"),
        ("shutdown sessions server <l>/<s>", "close all sessions established on a server"),
        ("set vrrp <instance> state backup|auto", "hold an instance in BACKUP, or let it elect again"),
        ("clear timeline", "forget the newest primary timeline (after restoring the cluster from a backup)"),
    ]

    /// The help text, one command per line, descriptions aligned.
    public static func render() -> String {
        let width = commands.map(\.usage.count).max() ?? 0
        let lines = commands.map { usage, description in
            "  " + usage + String(repeating: " ", count: width - usage.count) + " : " + description + "\n"
        }
        return "The following commands are valid at this level:\n" + lines.joined()
            + "<l>/<s> is listener/server; '*/<s>' names the server in every listener that holds it.\n"
    }
}
