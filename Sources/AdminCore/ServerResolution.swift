/// The rows of `snapshot` a command about `reference` acts on, one per listener, in listener order.
///
/// HAProxy's answers: a named listener that does not exist is "No such backend.", a server that is not in its
/// pool "No such server."; `*` takes every listener whose pool holds the server, and "No such server." when none
/// does, so a typo in a runbook never silently does nothing.
public func resolve(
    _ reference: ServerReference, in snapshot: StatsSnapshot
) -> Result<[ServerStats], AdminCommandError> {
    if let listener = reference.listener, !snapshot.listeners.contains(where: { $0.name == listener }) {
        return .failure(.noSuchBackend)
    }
    let matches = snapshot.servers.filter { server in
        server.name == reference.server && (reference.listener == nil || server.listener == reference.listener)
    }
    return matches.isEmpty ? .failure(.noSuchServer) : .success(matches)
}
