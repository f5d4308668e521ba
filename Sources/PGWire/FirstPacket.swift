/// The full first packet decoded.
public enum FirstPacket: Equatable, Sendable {
    /// SSLRequest: the client asks to switch to TLS before starting up.
    case sslRequest
    /// GSSENCRequest: the client asks to switch to GSSAPI encryption before starting up.
    case gssencRequest
    /// CancelRequest: the client asks to cancel a query on another connection.
    case cancel(CancelRequest)
    /// StartupMessage: the client opens a session.
    case startup(StartupMessage)
}

/// The outcome of trying to decode a first packet from the bytes received so far.
public enum FirstPacketParse: Equatable, Sendable {
    /// More bytes are needed; `total` is the whole packet's size once the header has been seen, else nil.
    case needMore(total: Int?)
    /// A packet was decoded from the first `consumed` bytes; any bytes after that belong to what follows.
    case complete(FirstPacket, consumed: Int)
    /// The packet is unacceptable; the connection should be refused.
    case rejected(FirstPacketRejection)
    /// The connection opens with TLS (``HeaderClassification/directTLS``): there is no packet to decode, and
    /// nothing pgfloat could say in PostgreSQL's words would reach the client through the TLS it expects.
    case directTLS
}

/// Decodes the first packet of a client connection (PostgreSQL docs, "Start-up" and "Message Formats").
///
/// Call it each time more bytes arrive. The header is checked first, so lengths above
/// ``StartupLimits/maxStartupPacketLength`` are refused after 8 bytes without buffering the body.
public enum FirstPacketParser {
    /// Parses the first packet at the start of `bytes`. Never traps, whatever the input.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> FirstPacketParse {
        switch FirstPacketHeader.classify(bytes) {
        case .needMore:
            return .needMore(total: nil)
        case .rejected(let reason):
            return .rejected(reason)
        case .directTLS:
            return .directTLS
        case .sslRequest:
            return .complete(.sslRequest, consumed: StartupLimits.headerLength)
        case .gssencRequest:
            return .complete(.gssencRequest, consumed: StartupLimits.headerLength)
        case .cancelRequest(let length):
            guard bytes.count >= length else { return .needMore(total: length) }
            guard let request = CancelRequest.decodeBody(bytes, length: length) else {
                return .rejected(.badCancelKeyLength)  // Unreachable: the header already bounded the length.
            }
            return .complete(.cancel(request), consumed: length)
        case .startup(let length, let major, let minor):
            guard bytes.count >= length else { return .needMore(total: length) }
            guard let parameters = StartupMessage.decodeParameters(bytes, length: length) else {
                return .rejected(.malformedStartupParameters)
            }
            let message = StartupMessage(majorVersion: major, minorVersion: minor, parameters: parameters)
            return .complete(.startup(message), consumed: length)
        }
    }

    /// Parses the first packet at the start of `bytes`. Never traps, whatever the input.
    public static func parse(_ bytes: [UInt8]) -> FirstPacketParse {
        bytes.withUnsafeBytes { parse($0) }
    }
}

extension FirstPacket {
    /// The wire bytes of this packet, e.g. to replay it to a server.
    public var encoded: [UInt8] {
        switch self {
        case .sslRequest:
            var bytes: [UInt8] = []
            bytes.appendUInt32BE(8)
            bytes.appendUInt32BE(RequestCode.ssl)
            return bytes
        case .gssencRequest:
            var bytes: [UInt8] = []
            bytes.appendUInt32BE(8)
            bytes.appendUInt32BE(RequestCode.gssenc)
            return bytes
        case .cancel(let request):
            return request.encoded
        case .startup(let message):
            return message.encoded
        }
    }
}
