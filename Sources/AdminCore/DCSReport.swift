/// `show dcs` (pgfloat's own): `key: value` lines like `show info`, so a runbook can
/// `grep '^leader:'`. Unknown values are empty.
public enum DCSReport {
    static let notConfigured = "No [dcs] configured.\n"

    public static func render(_ snapshot: StatsSnapshot) -> String {
        guard let dcs = snapshot.dcs else { return notConfigured }
        let members = dcs.members.map { member in
            let fields = [member.server ?? "-", member.role, member.state].map { $0.isEmpty ? "-" : $0 }
            return Escaping.word(member.name) + "=" + fields.map(Escaping.word).joined(separator: "/")
        }
        let fields: [(String, String)] = [
            ("type", dcs.type),
            ("state", dcs.state),
            ("endpoint", dcs.endpoint),
            ("revision", "\(dcs.revision)"),
            ("leader", dcs.leader ?? ""),
            ("leader_server", dcs.leaderServer ?? ""),
            ("writes", dcs.writes),
            ("last_event_age", dcs.lastEventAgeSeconds.map(seconds) ?? ""),
            ("lost_for", dcs.lostForSeconds.map(seconds) ?? ""),
            ("on_dcs_loss", dcs.onLoss),
            ("events", "\(dcs.events)"),
            ("reconnects", "\(dcs.reconnects)"),
            ("resyncs", "\(dcs.resyncs)"),
            ("stale_watches", "\(dcs.staleWatches)"),
            ("disagreements", "\(dcs.disagreements)"),
            ("members", members.joined(separator: " ")),
        ]
        return fields.map { key, value in "\(key): \(Escaping.printable(value))\n" }.joined()
    }

    /// Milliseconds are what a failover is measured in.
    private static func seconds(_ value: Double) -> String {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
