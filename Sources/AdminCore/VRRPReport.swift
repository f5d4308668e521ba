/// `show vrrp` (pgfloat's own): one line per instance of `key=value` fields, so a runbook can
/// `grep -c state=MASTER`. Blanks inside a value become `_` (`reasons=track_backends_-20`), lists are joined
/// with `,`, and what is unknown or empty is `-`.
public enum VRRPReport {
    static let noInstance = "No VRRP instance configured.\n"

    /// One line per instance, or "No VRRP instance configured." when there is none.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        guard !snapshot.vrrp.isEmpty else { return noInstance }
        return snapshot.vrrp.map { instance in
            let fields = [
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
            ] + (instance.vipsRestored > 0 ? [("vips_restored", "\(instance.vipsRestored)")] : [])
                + (instance.addressListMismatchesAccepted > 0
                    ? [("vips_differ", "\(instance.addressListMismatchesAccepted)")] : [])
            let pairs = fields.map { key, value in "\(key)=\(Escaping.word(value))" }
            return ([Escaping.word(instance.name)] + pairs).joined(separator: " ") + "\n"
        }.joined()
    }
}
