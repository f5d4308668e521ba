/// `show info`: process-wide figures as HAProxy's `Key: value` lines, using HAProxy's key names where it has the
/// same figure (`Uptime_sec`, `CurrConns`, `CumConns`...) so existing collectors read them.
public enum InfoReport {
    /// The `Key: value` lines, one per figure, `CancelsForwarded_<target>`,
    /// `CancelsDropped_<reason>` and `BadStartups_<reason>` sorted by label under their totals; `RelayFallback`
    /// only when the sockmap relay was asked for and epoll runs instead.
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
            ("CancelsForwarded", "\(process.cancelsForwardedTotal)"),
        ]
        fields += breakdown("CancelsForwarded_", process.cancelsForwarded)
        fields.append(("CancelsDropped", "\(process.cancelsDroppedTotal)"))
        fields += breakdown("CancelsDropped_", process.cancelsDropped)
        fields += [
            ("DirectTLSSessions", "\(process.directTLSSessions)"),
            ("Relay", process.relay),
        ]
        // Only when sockmap was asked for and did not load: its absence means the relay asked for runs.
        if let reason = process.relayFallbackReason { fields.append(("RelayFallback", reason)) }
        fields += [
            ("KernelSessions", "\(process.kernelSessions)"),
            ("KernelHandoffs", "\(process.kernelHandoffs)"),
            ("KernelFallbacks", "\(process.kernelFallbacks)"),
            ("KernelTakeovers", "\(process.kernelTakeovers)"),
            ("KernelRedirectedBytes", "\(process.kernelRedirectedBytes)"),
            ("AcceptErrors", "\(process.acceptErrors)"),
            ("LocalErrors", "\(process.localErrors.values.reduce(0, +))"),
        ]
        fields += breakdown("LocalErrors_", process.localErrors)
        fields += [
            ("BadStartups", "\(process.badStartups.values.reduce(0, +))"),
        ]
        fields += breakdown("BadStartups_", process.badStartups)
        fields += [
            ("Primary", process.primary ?? "-"),
            ("SplitBrain", process.splitBrain ? "1" : "0"),
            ("SplitBrainEvents", "\(process.splitBrainEvents)"),
            ("NewestTimeline", process.newestTimeline.map(String.init) ?? "-"),
            ("PrimaryClaimants", "\(process.primaryClaimants.count)"),
            ("LogLinesDropped", "\(process.logLinesDropped)"),
            ("ReloadFailures", "\(process.reloadFailures)"),
        ]
        return fields.map { key, value in "\(key): \(Escaping.printable(value))\n" }.joined()
    }

    /// One `<prefix><label>: count` line per label, sorted so the output is stable from one call to the next and
    /// diffable.
    private static func breakdown(_ prefix: String, _ counts: [String: Int]) -> [(String, String)] {
        counts.sorted(by: { $0.key < $1.key }).map { (prefix + Escaping.word($0.key), "\($0.value)") }
    }
}
