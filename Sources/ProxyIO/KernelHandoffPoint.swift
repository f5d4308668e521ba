/// Where a session's startup stands for the hand-over to the kernel relay. A session is handed over at a point
/// where neither peer can send: bytes that reach a socket before it enters the map would wait there unseen.
enum KernelHandoffPoint {
    case none
    /// The server's cancel key is known (or it sent none): a server chunk that ends with ReadyForQuery leaves the
    /// server waiting for a query and the client waiting for that chunk. Any such chunk once the session is
    /// `[global] relay_handoff_age` old: entering and leaving the maps costs a dozen system calls and the kernel's
    /// psock set-up and teardown, more than a connection that runs a statement or two saves (pgbench -C measured
    /// it), and a session that lives longer meets another ReadyForQuery soon.
    case afterReadyForQuery
    /// The server accepted TLS or GSSAPI encryption: its one-byte answer leaves the server waiting for the
    /// client's handshake and the client waiting for that byte. The only quiet point such a session has (the rest
    /// is encrypted), so it is handed over there whatever its age.
    case afterEncryptionAnswer
}
