/// Size limits applied to a client's first packet.
///
/// Limits: PostgreSQL's MAX_STARTUP_PACKET_LENGTH is 10000; anything larger is rejected before buffering.
/// The proxy applies the same limit to the length word alone, so a client announcing e.g. 1 GiB is turned away
/// after 8 bytes instead of making the proxy buffer it.
public enum StartupLimits {
    /// The largest first packet accepted, in bytes, including the length word (PostgreSQL's
    /// `MAX_STARTUP_PACKET_LENGTH`).
    public static let maxStartupPacketLength = 10000
    /// Every first packet starts with an Int32 length and an Int32 request code.
    public static let headerLength = 8
    /// The smallest CancelRequest: header, process ID and the classic 4-byte secret key.
    public static let minCancelRequestLength = 16
    /// The largest CancelRequest: protocol 3.2 (PostgreSQL 18) allows secret keys of up to 256 bytes
    /// ("Message Formats", BackendKeyData / CancelRequest).
    public static let maxCancelRequestLength = 12 + maxCancelKeyLength
    /// The longest secret key protocol 3.2 permits.
    public static let maxCancelKeyLength = 256
}
