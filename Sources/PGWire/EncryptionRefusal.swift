/// The single byte answering SSLRequest/GSSENCRequest when the proxy itself talks to the client: 'N'.
///
/// PostgreSQL docs, "Start-up" (SSL Session Encryption / GSSAPI Session Encryption): a server that will not
/// encrypt answers 'N', after which the client may send its StartupMessage in the clear on the same connection
/// (or, per its sslmode, give up).
public enum EncryptionRefusal {
    /// ASCII 'N'.
    public static let byte: UInt8 = 0x4E
}
