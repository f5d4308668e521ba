/// Why a client's first packet was refused. Each case is a reason the proxy counts and logs; the raw value is the
/// stable name used in metrics, logs and the `08P01` error text.
public enum FirstPacketRejection: String, Sendable, CaseIterable {
    /// The length word is below 8 (the header itself) or negative when read as the protocol's signed Int32.
    case lengthTooShort
    /// The length word exceeds ``StartupLimits/maxStartupPacketLength``.
    case lengthTooLarge
    /// The code has the reserved major half 1234 but is not SSLRequest, GSSENCRequest or CancelRequest.
    case unknownRequestCode
    /// A StartupMessage whose protocol major version is not 3.
    case unsupportedProtocolVersion
    /// SSLRequest or GSSENCRequest whose length is not exactly 8.
    case badLengthForRequest
    /// StartupMessage parameters that are not NUL-terminated name/value pairs followed by one final NUL.
    case malformedStartupParameters
    /// CancelRequest shorter than 16 bytes or longer than 12 + 256 bytes.
    case badCancelKeyLength
    /// A first byte of 0x16, as a TLS handshake record starts (direct TLS), not followed by a TLS record version
    /// (major byte 3): neither TLS nor PostgreSQL.
    case badTLSRecordVersion
}
