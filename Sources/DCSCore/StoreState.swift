import MonotonicTime

/// What pgfloat knows of the store: whether it is reachable, the revision seen last, and Patroni's leader and
/// members at that revision.
///
/// Contract: the driver calls `load` with every full read, `apply` with every batch of watch events, and
/// `connected`/`lost` as the connection comes and goes; each returns what changed for routing. Events and
/// progress reports only move the revision forward, so a watch resumed at `resumeRevision` misses nothing and
/// repeats nothing; a full read sets it to the store's, even backwards (see `isRewound(to:)`).
public struct StoreState: Sendable {
    public enum Connection: Sendable, Equatable {
        /// Never read since start.
        case connecting
        /// Read and watching through this endpoint.
        case connected(endpoint: String)
        /// Was connected; every endpoint failed since.
        case lost
    }

    /// What a read or a batch of events changed.
    public enum Change: Sendable, Equatable {
        case leader(from: String?, to: String?)
        /// A member record was written (nil: deleted, when Patroni stops or its key expires).
        case member(String, PatroniMember?)
        /// The `sync` key now names these synchronous standbys (member names, in the key's order).
        case sync([String])
    }

    public let layout: PatroniLayout
    public private(set) var connection: Connection = .connecting
    /// The store's revision as of the last read, event or progress report.
    public private(set) var revision: Int64 = 0
    /// The leader's member name; nil when no member holds the key.
    public private(set) var leader: String?
    public private(set) var members: [String: PatroniMember] = [:]
    /// The synchronous standbys the `sync` key names; empty without the key (no synchronous mode).
    public private(set) var syncStandbys: [String] = []
    /// Since when the store has been unreachable (from start, or a loss, until it is connected again and read
    /// since); nil while connected.
    public private(set) var unreachableSince: MonotonicInstant?
    /// When the last read or event arrived.
    public private(set) var lastEvent: MonotonicInstant?
    /// Watch events applied since start.
    public private(set) var events = 0
    /// Connections made after the first one.
    public private(set) var reconnects = 0
    /// Full re-reads because the revision to resume from was compacted away.
    public private(set) var resyncs = 0
    private var everConnected = false

    public init(layout: PatroniLayout, startedAt now: MonotonicInstant) {
        self.layout = layout
        unreachableSince = now
    }

    /// The revision a watch resumes from so that it misses no event.
    public var resumeRevision: Int64 { revision + 1 }

    /// Whether the store answers at `revision`, older than one it already reported: it went back in time
    /// (restored from a snapshot without `--bump-revision`). Events up to the revision seen would be skipped as
    /// repeats and a watch resumed after it would wait for revisions the store has not reached: re-read
    /// everything instead.
    public func isRewound(to revision: Int64) -> Bool {
        revision < self.revision
    }

    /// Whether the keys were ever read: only then does the state say anything about Patroni.
    public private(set) var hasRead = false

    /// Whether the keys must be read before the state says what the store holds now: from start, and from every
    /// loss until the next read. A watch resumed after a loss starts with the leader of before it and catches up
    /// only with its first events; routing that followed it meanwhile would undo what the checks chose during
    /// the loss.
    public private(set) var needsRead = true

    /// A watch is running through `endpoint`.
    public mutating func connected(endpoint: String) {
        if everConnected, connection != .connected(endpoint: endpoint) { reconnects += 1 }
        everConnected = true
        connection = .connected(endpoint: endpoint)
        if !needsRead { unreachableSince = nil }
    }

    /// The connection failed; the unreachable time starts at the first failure, not the latest.
    public mutating func lost(at now: MonotonicInstant) {
        needsRead = true
        guard connection != .lost, connection != .connecting else { return }
        connection = .lost
        unreachableSince = now
    }

    /// Takes a full read; `afterCompaction` counts it as a resync.
    public mutating func load(_ snapshot: StoreSnapshot, at now: MonotonicInstant, afterCompaction: Bool) -> [Change] {
        if afterCompaction { resyncs += 1 }
        hasRead = true
        needsRead = false
        if case .connected = connection { unreachableSince = nil }
        lastEvent = now
        // A read is the store as it is now, also when its revision is behind the one seen (a restore).
        revision = snapshot.revision
        var leader: String?
        var members: [String: PatroniMember] = [:]
        var syncStandbys: [String] = []
        for entry in snapshot.entries {
            switch layout.classify(entry.key) {
            case .leader: leader = String(decoding: entry.value, as: UTF8.self)
            case .member(let name): members[name] = PatroniMember(name: name, json: entry.value)
            case .sync: syncStandbys = PatroniMember.syncStandbys(json: entry.value)
            case .other: break
            }
        }
        var changes: [Change] = []
        for name in Set(members.keys).union(self.members.keys).sorted() where members[name] != self.members[name] {
            changes.append(.member(name, members[name]))
        }
        self.members = members
        if leader != self.leader { changes.append(.leader(from: self.leader, to: leader)) }
        self.leader = leader
        if syncStandbys != self.syncStandbys { changes.append(.sync(syncStandbys)) }
        self.syncStandbys = syncStandbys
        return changes
    }

    /// Takes watch events in order; events at or below the revision applied before this batch were already
    /// applied and are skipped (a resumed watch may repeat the batch it was cut in). Several events can share one
    /// revision (Patroni's leader key and the leader's member record share a lease and expire together), so the
    /// comparison is with the revision before the batch, not the one of the event before. The batch's header
    /// revision is not taken: a watch catching up sends old events in several batches, each with the store's
    /// newest revision.
    public mutating func apply(_ events: [StoreEvent], at now: MonotonicInstant) -> [Change] {
        var changes: [Change] = []
        let applied = revision
        for event in events where event.revision > applied {
            self.events += 1
            self.revision = event.revision
            lastEvent = now
            switch event {
            case .put(let entry, _): changes += set(entry.key, value: entry.value)
            case .delete(let key, _): changes += set(key, value: nil)
            }
        }
        return changes
    }

    /// The store reported (progress notification) that every event up to `revision` was sent.
    public mutating func progress(to revision: Int64) {
        self.revision = max(self.revision, revision)
    }

    private mutating func set(_ key: String, value: [UInt8]?) -> [Change] {
        switch layout.classify(key) {
        case .leader:
            let leader = value.map { String(decoding: $0, as: UTF8.self) }
            guard leader != self.leader else { return [] }
            defer { self.leader = leader }
            return [.leader(from: self.leader, to: leader)]
        case .member(let name):
            let member = value.flatMap { PatroniMember(name: name, json: $0) }
            guard member != members[name] else { return [] }
            members[name] = member
            return [.member(name, member)]
        case .sync:
            let standbys = value.map(PatroniMember.syncStandbys(json:)) ?? []
            guard standbys != syncStandbys else { return [] }
            syncStandbys = standbys
            return [.sync(standbys)]
        case .other:
            return []
        }
    }
}
