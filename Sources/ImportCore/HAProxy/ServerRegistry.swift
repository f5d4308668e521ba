/// The `[[server]]` tables being built: one per name and address, however many listeners list it.
struct ServerRegistry {
    struct Use {
        var listener: String
        var parameters: ServerParameters
        var origin: Origin
    }

    struct Entry {
        var name: String
        var host: String
        var port: Int
        var origin: Origin
        var uses: [Use]

        var address: String { endpointText(host: host, port: port) }
    }

    private(set) var entries: [Entry] = []

    /// Adds a server of `listener`, or a use of one already known by name and address; returns its index.
    mutating func register(
        _ server: ParsedServer, listener: String, fallbackPort: Int, log: inout DiagnosticLog
    ) -> Int {
        let use = Use(listener: listener, parameters: server.parameters, origin: server.origin)
        var port = fallbackPort
        if let written = server.port {
            port = written
        } else {
            log.warn(
                server.origin,
                "server \(server.name) has no port: HAProxy used the port the client connected to; pgfloat "
                    + "connects to \(fallbackPort)")
        }
        let base = Names.sanitized(server.name, fallback: "server")
        if base != server.name {
            log.warn(
                server.origin,
                "\"\(server.name)\" is not a pgfloat name (letters, digits, _, . and -): written as \(base)")
        }
        var name = base
        var attempt = 1
        while let index = entries.firstIndex(where: { $0.name == name }) {
            // The same server again (a renamed one was reported where it was first renamed).
            if entries[index].host == server.host && entries[index].port == port {
                entries[index].uses.append(use)
                return index
            }
            attempt += 1
            name = attempt == 2 ? "\(base)_\(Names.sanitized(listener, fallback: "listener"))" : "\(base)_\(attempt)"
        }
        if name != base {
            let first = entries.first { $0.name == base }
            log.warn(
                server.origin,
                "server \(base) is \(endpointText(host: server.host, port: port)) here but \(first?.address ?? "?") "
                    + "at line \(first?.origin.line ?? 0): written as \(name)")
        }
        entries.append(Entry(name: name, host: server.host, port: port, origin: server.origin, uses: [use]))
        return entries.count - 1
    }
}
