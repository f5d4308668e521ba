/// Where a session's startup stands for the hand-over to the kernel relay. A session is handed over at a point
/// where neither peer can send: bytes that reach a socket before it enters the map would wait there unseen.
enum KernelHandoffPoint {
    case none
    /// The server's cancel key is known (or it sent none): a server chunk that ends with ReadyForQuery leaves the
    /// server waiting for a query and the client waiting for that chunk.
    case afterReadyForQuery
    /// The server accepted TLS or GSSAPI encryption: its one-byte answer leaves the server waiting for the
    /// client's handshake and the client waiting for that byte.
    case afterEncryptionAnswer
}
