/// A `[[server]]` as read, before its required keys are known to be present.
struct ServerDraft {
    var name: String?
    var nameLine = 0
    var address: Endpoint?
    var weight = 100
    var maxconn = 0
    var backup = false
    var slowstart = Duration.zero
    var checkType: CheckType?
    var checkPort: Int?
    /// Line of the `[[server]]` header.
    var line: Int

    /// The finished server, or nil when a required key is missing (already reported).
    var config: ServerConfig? {
        guard let name, let address else { return nil }
        return ServerConfig(
            name: name, address: address, weight: weight, maxconn: maxconn, backup: backup, slowstart: slowstart,
            checkType: checkType, checkPort: checkPort, line: line)
    }
}

extension ConfigLoader {
    static var serverSchema: TableSchema<ServerDraft> {
        TableSchema([
            KeyRule("name", required: true) { field, server in
                server.name = field.identifier()
                server.nameLine = field.line
            },
            .value("address", required: true, \.address) { $0.endpoint() },
            .value("weight", \.weight) { $0.integer(in: 0...256) },
            .value("maxconn", \.maxconn) { $0.integer(in: 0...Int.max) },
            .value("backup", \.backup) { $0.boolean() },
            .value("slowstart", \.slowstart) { $0.duration(allowZero: true) },
            .value("check_type", \.checkType) { $0.choice("check type") },
            .value("check_port", \.checkPort) { $0.integer(in: 1...65535) },
        ])
    }

    /// Reports every server whose name an earlier server already took, since listeners refer to servers by name.
    static func checkServerNames(_ servers: [ServerDraft], diagnostics: Diagnostics) {
        var firstLines: [String: Int] = [:]
        for server in servers {
            guard let name = server.name else { continue }
            if let first = firstLines[name] {
                diagnostics.report(
                    key: "server.name", line: server.nameLine,
                    "duplicate server name \"\(name)\"; first defined on line \(first)")
            } else {
                firstLines[name] = server.nameLine
            }
        }
    }
}
