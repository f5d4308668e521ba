import ConfigModel
import HealthCore
import MonotonicTime

/// Turns the store's state into routing guidance: maps Patroni members to `[[server]]`s and applies
/// `on_dcs_loss`.
public struct StorePolicy: Sendable {
    /// What decides writes at one moment, for the runtime API.
    public enum WriteAuthority: String, Sendable {
        /// The leader key names a configured server.
        case leader
        /// The checks alone: no store guidance (store not read yet, or lost under `keep`).
        case checks
        /// The store is lost past the grace of `fence`.
        case fenced
        /// The store is read but no member holds the leader key.
        case none
        /// The leader key is held by a member that is no configured server: no writes, and a configured server
        /// that still answers primary is deposed.
        case unmapped
    }

    public let config: DCSConfig
    private let servers: [ServerConfig]

    public init(config: DCSConfig, servers: [ServerConfig]) {
        self.config = config
        self.servers = servers
    }

    /// The server a member is: the one of the same name, else the one whose address is the member's `conn_url`
    /// host and port.
    public func server(for member: String, record: PatroniMember?) -> String? {
        if servers.contains(where: { $0.name == member }) { return member }
        guard let record, let host = record.host, let port = record.port else { return nil }
        return servers.first { $0.address.host == host && $0.address.port == port }?.name
    }

    /// The guidance at `now`; nil routes by the checks alone.
    ///
    /// While connected and read since the last loss: the leader and the member records. Otherwise (unreachable,
    /// or connected again but not read yet): nothing under `keep`; under `fence` the last guidance until
    /// `dcs_loss_grace` has passed since the loss, then fenced. Before the first read (at start, or when a reload
    /// restarted the store session) `fence` allows no writes at all: the checks alone could pick a primary
    /// Patroni has already deposed, and there is no last guidance to keep for a grace.
    public func guidance(for state: StoreState, at now: MonotonicInstant) -> StoreGuidance? {
        if !state.needsRead, case .connected = state.connection { return current(state) }
        guard config.onLoss == .fence else { return nil }
        if !state.hasRead || isFenced(state, at: now) {
            return StoreGuidance(
                writes: .fenced, confirmInterval: config.confirmInterval, confirmWindow: config.confirmWindow)
        }
        return current(state)
    }

    /// When the guidance changes with time alone (the fence grace ends); nil if it does not.
    public func nextChange(for state: StoreState, at now: MonotonicInstant) -> MonotonicInstant? {
        guard config.onLoss == .fence, state.hasRead, let since = state.unreachableSince else { return nil }
        let end = since + config.lossGrace
        return end > now ? end : nil
    }

    public func authority(for state: StoreState, at now: MonotonicInstant) -> WriteAuthority {
        switch guidance(for: state, at: now)?.writes {
        case nil: return .checks
        case .fenced?: return .fenced
        case .leader(nil)?: return .none
        case .leader(.some)?: return .leader
        case .unmappedLeader?: return .unmapped
        }
    }

    /// The server the leader key names, if it names a configured one.
    public func leaderServer(in state: StoreState) -> String? {
        state.leader.flatMap { server(for: $0, record: state.members[$0]) }
    }

    private func isFenced(_ state: StoreState, at now: MonotonicInstant) -> Bool {
        guard let since = state.unreachableSince else { return false }
        return now.since(since) >= config.lossGrace
    }

    private func current(_ state: StoreState) -> StoreGuidance {
        var notRunning: Set<String> = []
        var lag: [String: UInt64] = [:]
        var patroni: [String: PatroniFacts] = [:]
        let head = state.leader.flatMap { state.members[$0]?.walPosition }
        // PostgreSQL compares synchronous_standby_names without case, and so does Patroni.
        let synchronous = Set(state.syncStandbys.map { $0.lowercased() })
        for (name, record) in state.members {
            guard let server = server(for: name, record: record) else { continue }
            if !record.isRunning { notRunning.insert(server) }
            if name != state.leader, let head, let position = record.walPosition {
                lag[server] = head > position ? head - position : 0
            }
            patroni[server] = PatroniFacts(
                tags: record.tags, synchronous: synchronous.contains(name.lowercased()),
                standbyLeader: record.role == "standby_leader")
        }
        return StoreGuidance(
            writes: writes(state), notRunning: notRunning, recordedLag: lag, patroni: patroni,
            confirmInterval: config.confirmInterval, confirmWindow: config.confirmWindow)
    }

    /// The leader key's holder as a server; a holder that is none is not the same as no holder: it means every
    /// configured server lost the role.
    private func writes(_ state: StoreState) -> StoreGuidance.Writes {
        guard let member = state.leader else { return .leader(nil) }
        return leaderServer(in: state).map { .leader($0) } ?? .unmappedLeader(member: member)
    }
}
