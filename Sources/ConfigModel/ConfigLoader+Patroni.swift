import TOMLKit

/// The listener keys that select by what only Patroni tells: `tags`, and the roles `sync`, `async` and
/// `standby-leader`.
extension ConfigLoader {
    /// Reports selections that could never match: `tags` on a role Patroni's leader endpoints answer without
    /// tags, and a Patroni selection on a pool server pgfloat learns nothing of Patroni for (neither a `patroni`
    /// check nor `[dcs]`), which would leave the listener without servers in production.
    static func checkPatroniSelections(_ draft: DocumentDraft, diagnostics: Diagnostics) {
        let checkTypes = Dictionary(
            draft.servers.compactMap { server in server.name.map { ($0, server.checkType ?? draft.check.type) } },
            uniquingKeysWith: { first, _ in first })
        for listener in draft.listeners {
            let label = listener.name.map { "listener \"\($0)\"" } ?? "this listener"
            if let line = listener.tagsLine, !listener.tags.isEmpty, !listener.role.takesReplicas,
                listener.role != .any
            {
                diagnostics.report(
                    key: "listener.tags", line: line,
                    "\(label) has role \"\(listener.role.rawValue)\", which Patroni answers whatever the tags; "
                        + "tags apply to roles \"replica\", \"replica-or-primary\", \"sync\", \"async\" and \"any\"")
            }
            guard draft.dcs == nil else { continue }
            let needs: (key: String, line: Int, what: String)? =
                if listener.role.needsPatroni {
                    ("listener.role", listener.roleLine ?? listener.line, "role \"\(listener.role.rawValue)\"")
                } else if let line = listener.tagsLine, !listener.tags.isEmpty {
                    ("listener.tags", line, "tags")
                } else {
                    nil
                }
            guard let needs else { continue }
            for name in listener.servers ?? draft.servers.compactMap(\.name) {
                guard let type = checkTypes[name], type != .patroni else { continue }
                diagnostics.report(
                    key: needs.key, line: needs.line,
                    "\(label) selects by \(needs.what), which only Patroni tells, but server \"\(name)\" has a "
                        + "\(type.rawValue) check; use a patroni check or add [dcs]")
            }
        }
    }
}

extension Field {
    /// A listener's `tags`: a table of Patroni tag names to the values a server must carry, each a string, a
    /// boolean or an integer, kept as the text Patroni compares (`true`, `3`).
    func patroniTags() -> [String: String]? {
        guard let table = value.table else {
            reportWrongType(expected: "a table like { datacenter = \"east\" }")
            return nil
        }
        var tags: [String: String] = [:]
        var valid = true
        for name in table.keys {
            guard let value = table[name] else { continue }
            let text: String? =
                switch value.type {
                case .string: value.string
                case .bool: value.bool.map { $0 ? "true" : "false" }
                case .int: value.int.map(String.init)
                default: nil
                }
            guard let text, !name.isEmpty else {
                report(
                    name.isEmpty
                        ? "a tag name cannot be empty"
                        : "tag \"\(name)\": expected a string, true or false, or an integer, got "
                            + value.plainDescription)
                valid = false
                continue
            }
            tags[name] = text
        }
        return valid ? tags : nil
    }
}
