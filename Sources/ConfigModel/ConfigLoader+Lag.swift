/// The replica-freshness keys of a listener (`max_lag`, `require_streaming`) and what they need of the checks.
extension ConfigLoader {
    /// Reports lag settings that could never hold: `require_streaming` on a listener that takes no replicas, and
    /// limits that the checks of a pool server cannot measure. Such a server would never qualify, so the mistake
    /// is reported here rather than found as an empty pool in production.
    static func checkLagPolicies(_ draft: DocumentDraft, diagnostics: Diagnostics) {
        let checkTypes = Dictionary(
            draft.servers.compactMap { server in server.name.map { ($0, server.checkType ?? draft.check.type) } },
            uniquingKeysWith: { first, _ in first })
        for listener in draft.listeners {
            let pool = listener.servers ?? draft.servers.compactMap(\.name)
            let label = listener.name.map { "listener \"\($0)\"" } ?? "this listener"
            if let line = listener.requireStreamingLine, listener.requireStreaming {
                if !listener.role.takesReplicas {
                    diagnostics.report(
                        key: "listener.require_streaming", line: line,
                        "require_streaming applies to roles \"replica\", \"replica-or-primary\", \"sync\" and "
                            + "\"async\"; \(label) has role \"\(listener.role.rawValue)\"")
                }
                for name in pool {
                    guard let type = checkTypes[name], !canTellStreaming(type) else { continue }
                    diagnostics.report(
                        key: "listener.require_streaming", line: line,
                        "server \"\(name)\" has a \(type.rawValue) check, which cannot tell whether a replica "
                            + "streams; use a pgsql or patroni check")
                }
            }
            if case .time = listener.maxLag, let line = listener.maxLagLine {
                for name in pool {
                    guard let type = checkTypes[name], type != .pgsql else { continue }
                    diagnostics.report(
                        key: "listener.max_lag", line: line,
                        "server \"\(name)\" has a \(type.rawValue) check, which cannot measure a replay delay; "
                            + "use a pgsql check or a max_lag in bytes like \"16MB\"")
                }
            }
        }
    }

    private static func canTellStreaming(_ type: CheckType) -> Bool {
        switch type {
        case .pgsql, .patroni: return true
        case .tcp, .pgHello, .agent, .external: return false
        }
    }
}

extension Field {
    /// A `max_lag`: a byte count as an integer or a size string (`"16MB"`), or a duration string (`"5s"`).
    func lagLimit() -> LagLimit? {
        if value.int != nil { return byteSize().map(LagLimit.bytes) }
        guard let text = string(expected: "a size like \"16MB\" or a duration like \"5s\"") else { return nil }
        if let bytes = ByteSizeParser.parse(text) { return .bytes(bytes) }
        if let duration = DurationParser.parse(text) { return .time(duration) }
        report(
            "invalid max_lag \"\(text)\"; use a size (\(ByteSizeParser.syntaxHint)) "
                + "or a duration (\(DurationParser.syntaxHint))")
        return nil
    }
}
