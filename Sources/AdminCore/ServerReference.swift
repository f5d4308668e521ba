/// A server named on the runtime API as `listener/server`, or `*/server` for every listener whose pool holds it.
public struct ServerReference: Equatable, Sendable {
    /// The listener (HAProxy's backend); nil when the operator wrote `*`.
    public var listener: String?
    /// The server name, as in the configuration.
    public var server: String

    /// A reference to `server` in `listener`, or in every listener when `listener` is nil.
    public init(listener: String?, server: String) {
        self.listener = listener
        self.server = server
    }

    /// Parses `L/S` or `*/S`, splitting at the first `/`; nil when either side is empty or there is no `/`.
    public init?(parsing word: Substring) {
        guard let slash = word.firstIndex(of: "/") else { return nil }
        let listener = word[..<slash]
        let server = word[word.index(after: slash)...]
        guard !listener.isEmpty, !server.isEmpty else { return nil }
        self.init(listener: listener == "*" ? nil : String(listener), server: String(server))
    }
}
