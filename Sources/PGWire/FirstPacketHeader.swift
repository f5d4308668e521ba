/// What the first 8 bytes of a new client connection say (length Int32 BE including itself, then request code
/// Int32 BE), or its first 2 when they start a TLS record.
///
/// PostgreSQL docs, "Start-up": a connection opens with an SSLRequest, a GSSENCRequest, a CancelRequest or a
/// StartupMessage, none of which has a type byte, so the length and code are all there is to tell them apart;
/// since PostgreSQL 17 it may also open with a TLS ClientHello (direct TLS, see ``DirectTLS``).
public enum HeaderClassification: Equatable, Sendable {
    /// Fewer than 8 bytes so far (fewer than 2 when the first is ``DirectTLS/handshakeContentType``).
    case needMore
    /// A TLS handshake record (PostgreSQL 17's `sslnegotiation=direct`): everything that follows is TLS, for the
    /// server to answer, so there is nothing more for the proxy to read before routing the connection.
    case directTLS
    /// SSLRequest: length 8, code 80877103.
    case sslRequest
    /// GSSENCRequest: length 8, code 80877104.
    case gssencRequest
    /// CancelRequest (code 80877102) of `length` bytes: 16 for the classic 4-byte key, up to 12 + 256 for
    /// PostgreSQL 18's variable-length keys (protocol 3.2).
    case cancelRequest(length: Int)
    /// StartupMessage of `length` bytes; the code is `majorVersion << 16 | minorVersion` and the major is 3.
    case startup(length: Int, majorVersion: UInt16, minorVersion: UInt16)
    /// The header alone shows the packet is unacceptable.
    case rejected(FirstPacketRejection)
}

/// Classifies a connection's first packet from its 8-byte header, so the proxy knows how much more to read (and
/// can refuse oversized or nonsensical packets) before buffering the body.
public enum FirstPacketHeader {
    /// Classifies the header at the start of `bytes`; bytes past the first 8 are ignored.
    ///
    /// Never traps: lengths are read as `UInt32` and range-checked before becoming `Int`.
    public static func classify(_ bytes: UnsafeRawBufferPointer) -> HeaderClassification {
        // A length word starting 0x16 would exceed the startup limit anyway, so looking at the TLS record first
        // takes nothing away from the PostgreSQL packets.
        if bytes.first == DirectTLS.handshakeContentType {
            guard bytes.count >= DirectTLS.prefixLength else { return .needMore }
            return bytes[1] == DirectTLS.recordMajorVersion ? .directTLS : .rejected(.badTLSRecordVersion)
        }
        guard let rawLength = bytes.readUInt32BE(at: 0), let code = bytes.readUInt32BE(at: 4) else {
            return .needMore
        }
        // The protocol's length is a signed Int32: a set top bit is a negative length, which is "too short",
        // not "too large" (checked first so 0x80000000... never looks like a huge positive size).
        if rawLength & 0x8000_0000 != 0 || rawLength < UInt32(StartupLimits.headerLength) {
            return .rejected(.lengthTooShort)
        }
        if rawLength > UInt32(StartupLimits.maxStartupPacketLength) {
            return .rejected(.lengthTooLarge)
        }
        let length = Int(rawLength)  // <= 10000, so the conversion cannot trap.

        switch code {
        case RequestCode.ssl:
            return length == StartupLimits.headerLength ? .sslRequest : .rejected(.badLengthForRequest)
        case RequestCode.gssenc:
            return length == StartupLimits.headerLength ? .gssencRequest : .rejected(.badLengthForRequest)
        case RequestCode.cancel:
            // "Canceling Requests in Progress": process ID (Int32) plus secret key; 3.2 lets the key grow to 256.
            guard length >= StartupLimits.minCancelRequestLength, length <= StartupLimits.maxCancelRequestLength
            else { return .rejected(.badCancelKeyLength) }
            return .cancelRequest(length: length)
        default:
            let major = UInt16(truncatingIfNeeded: code >> 16)
            let minor = UInt16(truncatingIfNeeded: code)
            if major == RequestCode.reservedMajor {
                return .rejected(.unknownRequestCode)
            }
            // PostgreSQL (ProcessStartupPacket) refuses majors other than 3; any minor is accepted here and left
            // to the server to negotiate down (NegotiateProtocolVersion).
            guard major == RequestCode.supportedMajorVersion else {
                return .rejected(.unsupportedProtocolVersion)
            }
            // "Message Formats", StartupMessage: the parameter list always ends with a NUL, so a packet with no
            // room after the header cannot be well formed.
            guard length > StartupLimits.headerLength else { return .rejected(.malformedStartupParameters) }
            return .startup(length: length, majorVersion: major, minorVersion: minor)
        }
    }

    /// Classifies the header at the start of `bytes`; bytes past the first 8 are ignored.
    public static func classify(_ bytes: [UInt8]) -> HeaderClassification {
        bytes.withUnsafeBytes { classify($0) }
    }
}
