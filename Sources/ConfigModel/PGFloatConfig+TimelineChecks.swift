extension PGFloatConfig {
    /// `pgfloat check`'s warnings about servers whose role checks cannot be compared by timeline.
    ///
    /// An `external` check says primary or replica but no timeline. Once a `pgsql` or `patroni` check has shown a
    /// primary's timeline, a primary on an unknown one cannot show it is not the older one (a deposed primary
    /// left writable), so it never takes writes again until the operator's `clear timeline`. A configuration
    /// that mixes the two works until the first failover to a timeline-telling server, and then never fails
    /// back: say so where it is written, on each server with such a check. A warning, not an error: a mix can be
    /// a migration's intended middle step.
    public func timelineWarnings() -> [String] {
        let types = servers.map { (server: $0, type: check.forServer($0).type) }
        guard let telling = types.first(where: { Self.tellsTimeline($0.type) == true }) else { return [] }
        return types.filter { Self.tellsTimeline($0.type) == false }.map { server, type in
            "\(path):\(server.line): server.check_type: warning: server \"\(server.name)\"'s \(type.rawValue) "
                + "check tells no timeline, while server \"\(telling.server.name)\"'s \(telling.type.rawValue) "
                + "check does: once a primary's timeline is known, \"\(server.name)\" never takes writes again "
                + "(it cannot show it is not an older primary); give every server a pgsql or patroni check"
        }
    }

    /// Whether a check of this type tells a primary's timeline; nil for checks that tell no role, which the
    /// guard never weighs against a timeline.
    private static func tellsTimeline(_ type: CheckType) -> Bool? {
        switch type {
        case .pgsql, .patroni: return true
        case .external: return false
        case .tcp, .pgHello, .agent: return nil
        }
    }
}
