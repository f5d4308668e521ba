/// What Patroni says about one member beyond its role: the tags HAProxy setups select by, whether it is a
/// synchronous standby, whether it leads a standby cluster, and whether the cluster is in maintenance mode.
///
/// A `patroni` check reads these from `GET /patroni`; with `[dcs]` they come from the member records and the
/// `sync` key (see `StoreGuidance.patroni`). Routing uses them for `noloadbalance`, a listener's `tags`, and the
/// roles `sync`, `async` and `standby-leader`.
public struct PatroniFacts: Sendable, Equatable {
    /// The member's tags, each value as Patroni compares it with a `?tag_key=value` query (see `PatroniTags`).
    /// Patroni leaves out its boolean tags while they are false, so an absent tag never matches.
    public var tags: [String: String]
    /// Patroni lists the member in its `sync` key: a synchronous (or quorum) standby.
    public var synchronous: Bool
    /// The member leads a standby cluster: in recovery, so a replica to clients, but the one that follows the
    /// remote primary and that the other members follow.
    public var standbyLeader: Bool
    /// The cluster is in maintenance mode (`patronictl pause`): Patroni neither fails over nor restarts
    /// PostgreSQL, so a primary that dies stays dead. Nil when the source cannot tell (member records do not say).
    public var paused: Bool?

    public init(
        tags: [String: String] = [:], synchronous: Bool = false, standbyLeader: Bool = false, paused: Bool? = nil
    ) {
        self.tags = tags
        self.synchronous = synchronous
        self.standbyLeader = standbyLeader
        self.paused = paused
    }

    /// Patroni's `noloadbalance` tag: the member takes no reads from `/replica` or `/read-only`.
    public var noLoadBalance: Bool { PatroniTags.isSet(tags["noloadbalance"]) }
    /// Patroni's `nofailover` tag (or a `failover_priority` of 0 or less): never promoted.
    public var noFailover: Bool { PatroniTags.flag(tags, "nofailover", priority: "failover_priority") }
    /// Patroni's `nosync` tag (or a `sync_priority` of 0 or less): never made a synchronous standby.
    public var noSync: Bool { PatroniTags.flag(tags, "nosync", priority: "sync_priority") }

    /// Whether every tag of `selector` has the same value here, as `?tag_key=value` asks of Patroni.
    public func matches(_ selector: [String: String]) -> Bool {
        selector.allSatisfy { key, value in tags[key] == value }
    }
}

/// How Patroni's tag values read as text, on both sides of a comparison.
public enum PatroniTags {
    /// A boolean tag's text when set: Patroni compares a non-string tag by its Python text in lower case.
    static let trueText = "true"

    /// Whether a tag value is true: Patroni's boolean tags are YAML booleans, written `true`.
    static func isSet(_ value: String?) -> Bool { value == trueText }

    /// A boolean tag, or its priority tag at 0 or less when the boolean is absent (Patroni's own rule).
    static func flag(_ tags: [String: String], _ name: String, priority: String) -> Bool {
        if let value = tags[name] { return isSet(value) }
        return tags[priority].flatMap { Int($0) }.map { $0 <= 0 } ?? false
    }
}

extension PatroniTags {
    /// Tags as Patroni's JSON holds them (`/patroni`'s `tags`, a member record's `tags`), each value read as the
    /// text Patroni compares a `?tag_key=value` query with: a string as it is, anything else as Python prints
    /// it in lower case (`true`, `1`, `none`). Values that are arrays or objects match no query and are left out.
    public struct Document: Decodable, Sendable, Equatable {
        public var tags: [String: String]

        public init(from decoder: any Decoder) throws {
            let values = try decoder.singleValueContainer().decode([String: Value].self)
            tags = values.compactMapValues(\.text)
        }
    }

    struct Value: Decodable {
        var text: String?

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                text = "none"
            } else if let bool = try? value.decode(Bool.self) {
                text = bool ? "true" : "false"
            } else if let int = try? value.decode(Int.self) {
                text = String(int)
            } else if let double = try? value.decode(Double.self) {
                text = "\(double)"
            } else {
                text = try? value.decode(String.self)
            }
        }
    }
}
