/// The 32-bit request codes that may follow the length word of a client's first packet.
///
/// PostgreSQL docs, "Message Formats": SSLRequest, GSSENCRequest and CancelRequest use codes chosen so they cannot
/// be mistaken for a protocol version (the major half is 1234), while StartupMessage carries
/// `major << 16 | minor` (currently major 3; PostgreSQL 18 speaks 3.2).
public enum RequestCode {
    /// CancelRequest: `1234 << 16 | 5678`.
    public static let cancel: UInt32 = 80_877_102
    /// SSLRequest: `1234 << 16 | 5679`.
    public static let ssl: UInt32 = 80_877_103
    /// GSSENCRequest: `1234 << 16 | 5680`.
    public static let gssenc: UInt32 = 80_877_104
    /// The major half (1234) reserved for the special requests above; never a real protocol version.
    public static let reservedMajor: UInt16 = 1234
    /// The only protocol major version PostgreSQL 7.4 and later accept.
    public static let supportedMajorVersion: UInt16 = 3

    /// The StartupMessage code for a protocol version.
    public static func protocolVersion(major: UInt16, minor: UInt16) -> UInt32 {
        UInt32(major) << 16 | UInt32(minor)
    }
}
