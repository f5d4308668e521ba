import PGWire

/// Which server issued each backend key pgfloat read from a session's startup, for the sessions still open.
///
/// Invariant: an owner is listed while its session (slot and generation) is open and no longer; the data plane
/// adds it when the scan finds the key and removes it when the session ends, so the table holds at most one
/// entry per open session. Two servers may hand out the same key (process IDs repeat across hosts; the
/// secrets would have to match too): then both are owners and a cancel goes to both, never to the wrong one
/// alone.
struct CancelKeyTable {
    /// A session holding a key: where its server is, and the session's slot and generation.
    struct Owner: Equatable {
        var address: SocketAddress
        var slot: Int
        var generation: UInt32
    }

    private var owners: [BackendKey: [Owner]] = [:]

    /// Keys held, for tests and the invariant.
    var count: Int { owners.count }

    mutating func insert(_ key: BackendKey, owner: Owner) {
        owners[key, default: []].append(owner)
    }

    /// Forgets the key of the session in `slot` at `generation`; other owners of the same key stay.
    mutating func remove(_ key: BackendKey, slot: Int, generation: UInt32) {
        guard var list = owners[key] else { return }
        list.removeAll { $0.slot == slot && $0.generation == generation }
        owners[key] = list.isEmpty ? nil : list
    }

    /// The sessions that hold `key`; empty when pgfloat never saw it or its sessions ended.
    func owners(of key: BackendKey) -> [Owner] { owners[key] ?? [] }
}
