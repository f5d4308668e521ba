/// `show vrrp` (pgfloat's own): one line per instance of `key=value` fields, so a runbook can
/// `grep -c state=MASTER`. Blanks inside a value become `_` (`reasons=track_backends_-20`), lists are joined
/// with `,`, and what is unknown or empty is `-`.
public enum VRRPReport {
    static let noInstance = "No VRRP instance configured.\n"

    /// One line per instance, or "No VRRP instance configured." when there is none.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        guard !snapshot.vrrp.isEmpty else { return noInstance }
        return snapshot.vrrp.map { instance in
            let fields: [(String, String)] = [
                ("interface", instance.interface), ("vrid", "\(instance.virtualRouterID)"), ("state", instance.state),
                ("priority", "\(instance.priority)"), ("effective_priority", "\(instance.effectivePriority)"),
                ("reasons", instance.priorityReasons.joined(separator: ",")),
                ("master", instance.masterAddress ?? ""),
                ("since", instance.secondsSinceTransition.map { "\($0)s" } ?? ""),
                ("vips", instance.virtualAddresses.joined(separator: ",")),
                ("version", "\(instance.version)"), ("advert_ms", "\(instance.advertIntervalMilliseconds)"),
                ("admin", instance.administrativeBackup ? "backup" : "auto"),
                ("sent", "\(instance.advertsSent)"), ("received", "\(instance.advertsReceived)"),
                ("transitions", "\(instance.transitions)"),
                ("dropped", instance.discards.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
                    .joined(separator: ",")),
            ] + occasionalCounters(of: instance)
            let pairs = fields.map { key, value in "\(key)=\(Escaping.word(value))" }
            return ([Escaping.word(instance.name)] + pairs).joined(separator: " ") + "\n"
        }.joined()
    }

    /// Counters of rare events, shown only once they are not zero.
    private static func occasionalCounters(of instance: VRRPInstanceStats) -> [(String, String)] {
        let counters = [
            ("vips_restored", instance.vipsRestored), ("vips_differ", instance.addressListMismatchesAccepted),
            ("garp_dropped", instance.gratuitousFramesDropped),
        ]
        return counters.filter { $0.1 > 0 }.map { ($0.0, "\($0.1)") }
    }
}
