/// The key a server hands a session in BackendKeyData, which a CancelRequest for that session must quote.
///
/// PostgreSQL docs, "Message Formats", BackendKeyData: Int32 process ID, then the secret key: 4 bytes before
/// protocol 3.2, up to 256 bytes with it (PostgreSQL 18).
public struct BackendKey: Hashable, Sendable {
    /// The backend process ID.
    public var processID: UInt32
    /// The secret key, 4...256 bytes.
    public var secretKey: [UInt8]

    /// Creates a key from its two parts.
    public init(processID: UInt32, secretKey: [UInt8]) {
        self.processID = processID
        self.secretKey = secretKey
    }
}

extension CancelRequest {
    /// The backend key this request quotes.
    public var backendKey: BackendKey { BackendKey(processID: processID, secretKey: secretKey) }
}
