import ConfigModel

extension ClusterView {
    /// What Patroni says of `server`: its store record's facts when `[dcs]` has one (with `paused` from the
    /// check, which records do not carry), else its `patroni` check's last answer; nil when neither tells.
    public func patroniFacts(of server: String) -> PatroniFacts? {
        let answered = health(of: server)?.patroni
        guard var recorded = store?.patroni[server] else { return answered }
        recorded.paused = answered?.paused
        return recorded
    }

    /// Whether any server reports Patroni's maintenance mode; nil when no server's check asks Patroni.
    public var patroniPaused: Bool? {
        let reports = members.compactMap { $0.health.reachability == .up ? $0.health.patroni?.paused : nil }
        return reports.isEmpty ? nil : reports.contains(true)
    }

    /// Whether `member` may take `listener`'s reads by Patroni's tags: not `noloadbalance`, and carrying every
    /// tag the listener selects. A server Patroni says nothing of has no tags: it passes only a listener that
    /// selects none.
    func passesTags(_ member: Member, for listener: ListenerConfig) -> Bool {
        let facts = patroniFacts(of: member.config.name) ?? PatroniFacts()
        return !facts.noLoadBalance && facts.matches(listener.tags)
    }

    /// Whether `member` belongs to a `sync` (`true`) or `async` (`false`) pool; a server Patroni says nothing of
    /// belongs to neither, as pgfloat cannot tell.
    func isSynchronous(_ member: Member) -> Bool? {
        patroniFacts(of: member.config.name)?.synchronous
    }
}
