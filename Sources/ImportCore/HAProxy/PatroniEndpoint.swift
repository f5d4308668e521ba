import ConfigModel

/// What an `option httpchk` URI asked Patroni's REST API, as a listener role.
///
/// HAProxy runs one check per listener and endpoint (`/primary` for read-write, `/replica` for read-only, `/sync`,
/// `/replica?tag_dc=east`...); pgfloat asks `GET /patroni` once per server and lets each listener select by role
/// and tags, so the endpoint becomes the listener's `role` (and `max_lag`, `tags`) and the difference between
/// listeners is kept without a second check.
struct PatroniEndpoint: Sendable, Equatable {
    var role: ListenerRole
    /// From `/replica?lag=16MB` (or `/async?lag=`).
    var maxLag: ByteSize?
    /// From `/replica?tag_datacenter=east`: the listener's `tags`.
    var tags: [String: String] = [:]
    /// What the role does not say that the endpoint did; reported as a warning.
    var caveat: String?

    /// The endpoint's meaning, or nil when the URI is not one of Patroni's endpoints.
    init?(uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = parts.count > 1 ? String(parts[1]) : ""
        var caveats: [String] = []
        switch path {
        case "/primary", "/master", "/leader", "/read-write":
            role = .primary
        case "/":
            role = .primary
            caveats.append(
                "\"/\" is Patroni's primary endpoint; if this check does not ask Patroni, set the role by hand")
        case "/replica":
            role = .replica
        case "/sync", "/synchronous", "/quorum":
            role = .sync
        case "/read-only-sync", "/read-only-synchronous", "/read-only-quorum":
            role = .sync
            caveats.append(
                "\(path) also takes the primary; role \"sync\" takes only the synchronous standbys (give the "
                    + "primary its own listener)")
        case "/async", "/asynchronous":
            role = .async
        case "/standby-leader", "/standby_leader":
            role = .standbyLeader
        case "/read-only", "/health", "/liveness", "/readiness", "/patroni":
            role = .any
        default:
            return nil
        }
        // Patroni's leader endpoints answer whatever the tags; the others compare each `tag_` parameter.
        let tagsApply = role.takesReplicas || role == .any
        for parameter in query.split(separator: "&") {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if name == "lag", role == .replica || role == .async {
                if let bytes = HAProxyValues.integer(value) {
                    maxLag = .bytes(bytes)
                } else if ByteSizeParser.parse(value) != nil {
                    maxLag = .text(value)
                } else {
                    caveats.append("lag \"\(value)\" is not a size pgfloat reads (like 16MB); no max_lag")
                }
            } else if name.hasPrefix("tag_"), name.count > 4, tagsApply {
                tags[String(name.dropFirst(4))] = value
            } else if name.hasPrefix("tag_") {
                caveats.append("Patroni ignores \"\(name)\" on \(path); not kept")
            } else {
                caveats.append("the query parameter \"\(name)\" has no equivalent and is not kept")
            }
        }
        caveat = caveats.isEmpty ? nil : caveats.joined(separator: "; ")
    }
}

/// A listener role guessed from a name, for checks that never told roles apart (`option pgsql-check`).
enum RoleGuess {
    static func role(forListenerNamed name: String) -> ListenerRole {
        let lowered = name.lowercased()
        let words = Set(lowered.split { !($0.isLetter || $0.isNumber) }.map(String.init))
        let primary = ["primary", "master", "leader", "write", "writer", "writes"]
        if !words.isDisjoint(with: ["rw", "wr"]) || primary.contains(where: { lowered.contains($0) }) {
            return .primary
        }
        let replica = ["replica", "standby", "slave", "read"]
        if !words.isDisjoint(with: ["ro"]) || replica.contains(where: { lowered.contains($0) }) { return .replica }
        return .any
    }
}
