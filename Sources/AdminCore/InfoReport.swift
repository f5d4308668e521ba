/// `show info`: process-wide figures as HAProxy's `Key: value` lines, using HAProxy's key names where it has the
/// same figure (`Uptime_sec`, `CurrConns`, `CumConns`...) so existing collectors read them.
public enum InfoReport {
    /// The `Key: value` lines, one per figure, `BadStartups_<reason>` sorted by reason.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        let process = snapshot.process
        var fields: [(String, String)] = [
            ("Name", "pgfloat"),
            ("Version", process.version),
            ("Pid", "\(process.pid)"),
            ("Node", process.node),
            ("Uptime", Formatting.uptime(seconds: process.uptimeSeconds)),
            ("Uptime_sec", "\(process.uptimeSeconds)"),
            ("Maxconn", "\(process.maxconn)"),
            ("CurrConns", "\(process.currentSessions)"),
            ("CumConns", "\(process.totalSessions)"),
            ("Queued", "\(process.queued)"),
            ("CancelsForwarded", "\(process.cancelsForwarded)"),
            ("CancelsDropped", "\(process.cancelsDropped)"),
            ("DirectTLSSessions", "\(process.directTLSSessions)"),
            ("AcceptErrors", "\(process.acceptErrors)"),
            ("BadStartups", "\(process.badStartups.values.reduce(0, +))"),
        ]
        // Sorted, so the output is stable from one call to the next and diffable.
        for (reason, count) in process.badStartups.sorted(by: { $0.key < $1.key }) {
            fields.append(("BadStartups_" + Escaping.word(reason), "\(count)"))
        }
        fields += [
            ("Primary", process.primary ?? "-"),
            ("SplitBrain", process.splitBrain ? "1" : "0"),
            ("SplitBrainEvents", "\(process.splitBrainEvents)"),
        ]
        return fields.map { key, value in "\(key): \(Escaping.printable(value))\n" }.joined()
    }
}
