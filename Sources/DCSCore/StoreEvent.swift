/// One key-value as the store holds it.
public struct StoreEntry: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// Every key under the scope at one revision: what a (re)read gives.
public struct StoreSnapshot: Sendable, Equatable {
    public var revision: Int64
    public var entries: [StoreEntry]

    public init(revision: Int64, entries: [StoreEntry]) {
        self.revision = revision
        self.entries = entries
    }
}

/// One change the watch reports.
public enum StoreEvent: Sendable, Equatable {
    case put(StoreEntry, revision: Int64)
    case delete(key: String, revision: Int64)

    public var revision: Int64 {
        switch self {
        case .put(_, let revision), .delete(_, let revision): return revision
        }
    }
}
