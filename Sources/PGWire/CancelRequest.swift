/// A CancelRequest: the first (and only) packet of a connection asking the server to cancel a query running on
/// another connection.
///
/// PostgreSQL docs, "Canceling Requests in Progress" and "Message Formats": Int32 length, Int32 80877102, Int32
/// process ID, then the secret key from BackendKeyData. The key is 4 bytes before protocol 3.2; PostgreSQL 18
/// (protocol 3.2) allows up to 256 bytes, its length implied by the message length.
public struct CancelRequest: Equatable, Sendable {
    /// The backend process ID from BackendKeyData.
    public var processID: UInt32
    /// The secret key from BackendKeyData: 4 bytes classic, 4...256 bytes with PostgreSQL 18.
    public var secretKey: [UInt8]

    /// Creates a cancel request for `processID` with `secretKey`.
    public init(processID: UInt32, secretKey: [UInt8]) {
        self.processID = processID
        self.secretKey = secretKey
    }

    /// The wire bytes, to forward to servers.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 + secretKey.count)
        bytes.appendLengthBE(12 + secretKey.count)
        bytes.appendUInt32BE(RequestCode.cancel)
        bytes.appendUInt32BE(processID)
        bytes.append(contentsOf: secretKey)
        return bytes
    }

    /// Decodes a complete CancelRequest of `length` bytes whose header was already validated.
    static func decodeBody(_ bytes: UnsafeRawBufferPointer, length: Int) -> CancelRequest? {
        guard length >= StartupLimits.minCancelRequestLength, length <= bytes.count,
              let processID = bytes.readUInt32BE(at: 8)
        else { return nil }
        return CancelRequest(processID: processID, secretKey: Array(bytes[12..<length]))
    }
}
