/// `show servers roles` (pgfloat's own): what the health checker believes of each server, one line per server per
/// listener, space-separated with `-` for what is unknown, for runbooks that `awk` out the primary.
public enum ServerRolesReport {
    static let header = "# listener server role timeline lag_bytes status weight sessions"

    /// The header then one line per server per listener, in snapshot order.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        let lines = snapshot.servers.map { server in
            [
                server.listener, server.name, server.role, server.timeline.map { "\($0)" } ?? "",
                server.lagBytes.map { "\($0)" } ?? "", server.status, "\(server.weight)", "\(server.sessionsCurrent)",
            ].map(Escaping.word).joined(separator: " ")
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }
}
