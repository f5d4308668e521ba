import Foundation
import HealthCore

/// The fields of Patroni's `GET /patroni` answer that routing needs.
///
/// Patroni 3.x says `master` for a primary and Patroni 4 says `primary`; a `standby_leader` leads a standby cluster
/// and is itself in recovery, so it is a replica to clients. The document's `state` is `running` for a healthy
/// node of any role; how a replica replicates is `replication_state` (`streaming`), which Patroni leaves out
/// while the replica does not stream (and versions before 3.0 never send).
struct PatroniStatus: Decodable, Equatable {
    var state: String?
    var role: String?
    var timeline: Int?
    var xlog: XLog?
    /// Replication lag in bytes, when the answer carries one (Patroni's `/patroni` does not, `/cluster` does).
    var lag: UInt64?
    var replicationState: String?
    /// The member's tags (Patroni leaves the key out when there are none).
    var tags: [String: String] = [:]
    /// Patroni lists this replica in its `sync` key: `sync_standby`, or `quorum_standby` in quorum commit mode.
    var synchronous = false
    /// The cluster is in maintenance mode (`pause`, left out when not).
    var paused = false

    struct XLog: Decodable, Equatable {
        /// The primary's flush position, in bytes.
        var location: UInt64?
        /// A replica's replay position, in bytes.
        var replayedLocation: UInt64?
        /// A replica's received position, in bytes.
        var receivedLocation: UInt64?

        enum CodingKeys: String, CodingKey {
            case location
            case replayedLocation = "replayed_location"
            case receivedLocation = "received_location"
        }
    }

    enum CodingKeys: String, CodingKey {
        case state, role, timeline, xlog, lag, tags, pause
        case replicationState = "replication_state"
        case syncStandby = "sync_standby"
        case quorumStandby = "quorum_standby"
    }

    init(
        state: String?, role: String?, timeline: Int? = nil, xlog: XLog? = nil, lag: UInt64? = nil,
        replicationState: String? = nil
    ) {
        self.state = state
        self.role = role
        self.timeline = timeline
        self.xlog = xlog
        self.lag = lag
        self.replicationState = replicationState
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        state = try container.decodeIfPresent(String.self, forKey: .state)
        role = try container.decodeIfPresent(String.self, forKey: .role)
        timeline = try container.decodeIfPresent(Int.self, forKey: .timeline)
        xlog = try container.decodeIfPresent(XLog.self, forKey: .xlog)
        // Lag is "unknown" (a string) in some answers: no number means no reported lag, not a broken document.
        lag = try? container.decodeIfPresent(UInt64.self, forKey: .lag)
        replicationState = try container.decodeIfPresent(String.self, forKey: .replicationState)
        // Extras routing can do without: a value of an unexpected type costs the feature, not the check.
        tags = (try? container.decodeIfPresent(PatroniTags.Document.self, forKey: .tags))??.tags ?? [:]
        let sync = (try? container.decodeIfPresent(Bool.self, forKey: .syncStandby)) ?? nil
        let quorum = (try? container.decodeIfPresent(Bool.self, forKey: .quorumStandby)) ?? nil
        synchronous = sync == true || quorum == true
        paused = ((try? container.decodeIfPresent(Bool.self, forKey: .pause)) ?? nil) == true
    }

    /// Parses an answer body.
    init(json: Data) throws {
        self = try JSONDecoder().decode(PatroniStatus.self, from: json)
    }

    /// The role clients see: writes only on a primary.
    var serverRole: ServerRole {
        switch role {
        case "master", "primary": return .primary
        case "replica", "sync_standby", "standby", "standby_leader": return .replica
        default: return .unknown
        }
    }

    /// What the answer says beyond the role.
    var facts: PatroniFacts {
        PatroniFacts(tags: tags, synchronous: synchronous, standbyLeader: role == "standby_leader", paused: paused)
    }

    /// The verdict: reachable only while Patroni says PostgreSQL is running.
    var outcome: CheckOutcome {
        guard state == "running" else { return .failed("patroni state is \(state ?? "missing")") }
        let role = serverRole
        let position: UInt64? =
            switch role {
            case .primary: xlog?.location
            case .replica: xlog?.replayedLocation
            case .unknown: xlog?.location ?? xlog?.replayedLocation
            }
        guard role == .replica else {
            return CheckOutcome(
                reachable: true, role: role, timeline: timeline, walPosition: position, reportedLag: lag,
                patroni: facts)
        }
        return CheckOutcome(
            reachable: true, role: role, timeline: timeline, walPosition: position, reportedLag: lag,
            receivedPosition: xlog?.receivedLocation, streaming: replicationState == "streaming", patroni: facts)
    }
}
