/// Where Patroni keeps one cluster's state in the store: `<namespace>/<scope>/leader` holds the leader's member
/// name, `<namespace>/<scope>/members/<name>` each member's JSON record, `<namespace>/<scope>/sync` the
/// synchronous standbys.
public struct PatroniLayout: Sendable, Equatable {
    /// What one key under the scope is.
    public enum Key: Sendable, Equatable {
        case leader
        case member(String)
        /// `{"leader": ..., "sync_standby": "a,b"}`: who Patroni made synchronous standbys.
        case sync
        /// config, history, failover, status...: not used for routing.
        case other
    }

    /// `<namespace>/<scope>/`: every key of the cluster starts with it.
    public let scopePrefix: String

    public init(namespace: String, scope: String) {
        scopePrefix = "\(namespace)/\(scope)/"
    }

    public var leaderKey: String { scopePrefix + "leader" }
    public var membersPrefix: String { scopePrefix + "members/" }

    /// etcd's `range_end` for every key under the scope: the prefix with its last byte incremented.
    public var rangeEnd: [UInt8] {
        var end = Array(scopePrefix.utf8)
        // The prefix ends in "/" (0x2F), so incrementing never overflows.
        end[end.count - 1] += 1
        return end
    }

    public func classify(_ key: String) -> Key {
        if key == leaderKey { return .leader }
        if key == scopePrefix + "sync" { return .sync }
        if key.hasPrefix(membersPrefix) {
            let name = String(key.dropFirst(membersPrefix.count))
            return name.isEmpty || name.contains("/") ? .other : .member(name)
        }
        return .other
    }
}
