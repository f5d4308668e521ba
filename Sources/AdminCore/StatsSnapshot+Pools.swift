extension StatsSnapshot {
    /// Each listener with its 1-based position (HAProxy's `iid`/`be_id`) and its servers in pool order (their
    /// position + 1 is `sid`/`srv_id`): the shape every per-listener report walks.
    ///
    /// Servers naming a listener the snapshot does not hold are left out rather than shown under a guess.
    var pools: [(id: Int, listener: ListenerStats, servers: [ServerStats])] {
        let byListener = Dictionary(grouping: servers, by: \.listener)
        return listeners.enumerated().map { offset, listener in
            (id: offset + 1, listener: listener, servers: byListener[listener.name] ?? [])
        }
    }
}
