/// What marks a connection that opens with TLS itself: PostgreSQL 17's direct TLS negotiation
/// (`sslnegotiation=direct`), where the client sends a TLS ClientHello at once instead of an SSLRequest.
///
/// PostgreSQL docs, "Start-up", SSL Session Encryption: a ClientHello is a TLS record, whose first byte is the
/// content type `handshake` (22, RFC 8446 5.1) and whose next two are the record version. Read as the length word of
/// a PostgreSQL first packet, `0x16...` would announce some 370 MB, so the two can never be confused.
///
/// PostgreSQL 17 (`ProcessSSLStartup`) decides on the first byte alone. pgfloat also reads the record version's
/// major byte, which is 3 in every SSL 3.0 and TLS record (RFC 8446 5.1 freezes `legacy_record_version` at
/// 0x0301/0x0303), so a stray 0x16 followed by anything else is refused with a reason of its own instead of
/// costing a server connection; the minor byte is not checked, as the server is the one to negotiate versions.
public enum DirectTLS {
    /// TLS `ContentType.handshake` (RFC 8446 5.1): the first byte of a ClientHello record.
    public static let handshakeContentType: UInt8 = 0x16
    /// The major byte of `legacy_record_version` (RFC 8446 5.1; 3 since SSL 3.0).
    public static let recordMajorVersion: UInt8 = 0x03
    /// The bytes needed to tell a TLS record from anything else: content type and version major.
    public static let prefixLength = 2
}
