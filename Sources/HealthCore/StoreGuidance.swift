/// What the distributed configuration store (Patroni's etcd) says about the cluster, in server names: the input
/// that lets routing follow Patroni's decisions instead of waiting for checks to notice them.
///
/// The store decides who may take writes; the checks still decide whether that server can. A `ClusterView`
/// without guidance (no `[dcs]`, or a lost store under `on_dcs_loss = "keep"`) routes by the checks alone.
public struct StoreGuidance: Sendable, Equatable {
    /// Who the store lets take writes.
    public enum Writes: Sendable, Equatable {
        /// The server that holds the leader key; nil when no member holds it (between leaders). Only that
        /// server may take writes, and only once its check confirms it.
        case leader(String?)
        /// The leader key is held by this Patroni member, which is no configured server: every configured
        /// server has lost the role, so none may take writes and one that still answers primary is deposed.
        case unmappedLeader(member: String)
        /// The store has been unreachable longer than the grace of `on_dcs_loss = "fence"`: no server may.
        case fenced
    }

    public var writes: Writes
    /// Servers whose member record says PostgreSQL is not running (stopped, starting, crashed): no reads go to
    /// them even while their port still answers a check.
    public var notRunning: Set<String>
    /// Replica lag in bytes from the member records (leader's WAL position minus the member's), used when the
    /// checks give no position to compare.
    public var recordedLag: [String: UInt64]
    /// What the member records and the `sync` key say of each server that has a record (tags, synchronous,
    /// standby leader; never `paused`, which records do not carry). They take precedence over a check's answer:
    /// the watch sees Patroni's writes first.
    public var patroni: [String: PatroniFacts]
    /// How soon a leader the checks do not confirm yet is checked again, during `confirmWindow`.
    public var confirmInterval: Duration
    /// How long after the leader changed it is checked every `confirmInterval`.
    public var confirmWindow: Duration

    public init(
        writes: Writes, notRunning: Set<String> = [], recordedLag: [String: UInt64] = [:],
        patroni: [String: PatroniFacts] = [:], confirmInterval: Duration = .milliseconds(10),
        confirmWindow: Duration = .seconds(1)
    ) {
        self.writes = writes
        self.notRunning = notRunning
        self.recordedLag = recordedLag
        self.patroni = patroni
        self.confirmInterval = confirmInterval
        self.confirmWindow = confirmWindow
    }

    /// The server the store names leader, if any.
    public var leader: String? {
        if case .leader(let server) = writes { return server }
        return nil
    }
}

/// A point where the store and the checks disagree about who is primary.
public struct StoreDisagreement: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The leader key names a server whose check finds it down.
        case leaderDown
        /// The leader key names a server whose check finds a replica.
        case leaderIsReplica
        /// A server the leader key does not name answers primary (an old primary that was not demoted).
        case otherClaimsPrimary
    }

    public var kind: Kind
    public var server: String
    /// The server the leader key names.
    public var leader: String

    public init(kind: Kind, server: String, leader: String) {
        self.kind = kind
        self.server = server
        self.leader = leader
    }

    public var description: String {
        switch kind {
        case .leaderDown: return "leader key names \(leader), whose check finds it down"
        case .leaderIsReplica: return "leader key names \(leader), whose check finds a replica"
        case .otherClaimsPrimary: return "\(server) answers primary but the leader key names \(leader)"
        }
    }
}
