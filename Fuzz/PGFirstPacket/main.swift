// pg-first-packet: what a client sends before it has a server, in arbitrary chunks, through the decoders ProxyIO
// runs on it (`FirstPacketHeader.classify`, `FirstPacketParser.parse`), the way DataPlane+FirstPacket.swift does:
// answer SSLRequest and GSSENCRequest, consume them and go on with what follows, up to four rounds, until a
// packet settles the connection (startup, cancel), it turns out to be TLS (direct TLS: closed unanswered, as
// DataPlane does with a refused one), or is refused.
//
// Input: a chunking byte, then the client's byte stream. The low four bits of the chunking byte give the largest
// chunk (0: everything at once, 1: byte by byte); the rest seed the sizes.
//
// Beyond "no trap", it checks:
// - chunking never changes the outcome: the packets and the refusal are those of the stream read at once;
// - `classify` and `parse` agree, and a `needMore(total:)` promise holds once that many bytes are in;
// - what is decoded re-encodes to the bytes read (or, for startup text that was not UTF-8, to a packet that
//   decodes to the same message);
// - every read stays inside the bytes received: each parse sees a buffer of exactly the received size, so
//   AddressSanitizer catches a read past it (the -O build does not check unsafe-pointer bounds itself).
// It also runs `ErrorResponse.decode` on the stream, with its own round trip.

import PGWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGFirstPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let chunking = input.byte()
    let stream = input.rest()

    let whole = Connection.run(stream, chunkSizes: [stream.count])
    let chunked = Connection.run(stream, chunkSizes: chunkSizes(for: stream.count, chunking: chunking))
    fuzzCheck(whole == chunked, "chunking changed the outcome: \(whole) vs \(chunked)")

    checkErrorResponseDecode(stream)
    return 0
}

/// Chunk sizes adding up to `total`, each at most `chunking & 0x0F` (0: one chunk), varied by the high bits.
func chunkSizes(for total: Int, chunking: UInt8) -> [Int] {
    let largest = Int(chunking & 0x0F)
    guard largest > 0 else { return [total] }
    var sizes: [Int] = []
    var state = UInt32(chunking) | 1
    var left = total
    while left > 0 {
        // xorshift32: a fixed, cheap sequence, so a crash reproduces from the input alone.
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let size = min(left, 1 + Int(state % UInt32(largest)))
        sizes.append(size)
        left -= size
    }
    return sizes
}

/// What became of a connection: the packets it completed, then how it ended.
struct Outcome: Equatable {
    var packets: [FirstPacket] = []
    var end: End = .waiting

    enum End: Equatable {
        /// The stream ran out before a packet settled the connection.
        case waiting
        /// A startup or cancel packet settled it.
        case settled
        case rejected(FirstPacketRejection)
        /// A TLS record: nothing more is parsed.
        case directTLS
        /// Four rounds of encryption requests, where DataPlane gives up.
        case tooManyRounds
    }
}

enum Connection {
    /// The bytes arrive in chunks of `chunkSizes`; after each, the buffer is parsed as DataPlane does.
    static func run(_ stream: [UInt8], chunkSizes: [Int]) -> Outcome {
        var outcome = Outcome()
        var buffer: [UInt8] = []
        var offset = 0
        var promised: Int?
        for size in chunkSizes {
            buffer += stream[offset..<(offset + size)]
            offset += size
            while outcome.packets.count < 4 {
                let result = parse(buffer)
                if let total = promised, buffer.count >= total, case .needMore = result {
                    fatalError("fuzz invariant: \(total) bytes were promised enough; still \(result)")
                }
                switch result {
                case .needMore(let total):
                    promised = total
                case .complete(let packet, let consumed):
                    outcome.packets.append(packet)
                    buffer.removeFirst(consumed)
                    promised = nil
                    switch packet {
                    case .sslRequest, .gssencRequest: continue
                    case .startup, .cancel:
                        outcome.end = .settled
                        return outcome
                    }
                case .directTLS:
                    outcome.end = .directTLS
                    return outcome
                case .rejected(let reason):
                    let refusal = ErrorResponse.protocolViolation(reason).encoded
                    fuzzCheck(ErrorResponse.decode(refusal) == .protocolViolation(reason), "refusal round trip")
                    outcome.end = .rejected(reason)
                    return outcome
                }
                break
            }
            if outcome.packets.count >= 4 {
                outcome.end = .tooManyRounds
                return outcome
            }
        }
        return outcome
    }

    /// One parse of `bytes`, from a buffer of exactly their size, checked against `classify` and re-encoding.
    static func parse(_ bytes: [UInt8]) -> FirstPacketParse {
        let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { exact.deallocate() }
        exact.copyBytes(from: bytes)
        let header = FirstPacketHeader.classify(UnsafeRawBufferPointer(exact))
        let result = FirstPacketParser.parse(UnsafeRawBufferPointer(exact))
        fuzzCheck(FirstPacketParser.parse(bytes) == result, "array and pointer parses differ")

        switch result {
        case .directTLS:
            fuzzCheck(header == .directTLS && bytes.count >= 2, "directTLS for header \(header)")
            fuzzCheck(bytes[0] == DirectTLS.handshakeContentType && bytes[1] == 0x03, "directTLS without a record")
        case .needMore(nil):
            fuzzCheck(bytes.count < 8 && header == .needMore, "needMore without a total after \(bytes.count) bytes")
        case .needMore(let total?):
            fuzzCheck(total > bytes.count && total <= StartupLimits.maxStartupPacketLength, "needMore(\(total))")
            switch header {
            case .cancelRequest(total), .startup(total, _, _): break
            default: fatalError("fuzz invariant: needMore(\(total)) for header \(header)")
            }
        case .rejected(let reason):
            switch header {
            case .rejected(reason): break
            case .startup: fuzzCheck(reason == .malformedStartupParameters, "startup rejected as \(reason)")
            default: fatalError("fuzz invariant: \(reason) for header \(header)")
            }
        case .complete(let packet, let consumed):
            fuzzCheck(consumed >= 8 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
            checkReencoding(packet, consumed: consumed, bytes: bytes, header: header)
        }
        return result
    }

    static func checkReencoding(_ packet: FirstPacket, consumed: Int, bytes: [UInt8], header: HeaderClassification) {
        let read = Array(bytes[0..<consumed])
        switch (packet, header) {
        case (.sslRequest, .sslRequest), (.gssencRequest, .gssencRequest):
            fuzzCheck(packet.encoded == read, "\(packet) re-encodes differently")
        case (.cancel(let request), .cancelRequest(consumed)):
            fuzzCheck(packet.encoded == read, "cancel re-encodes differently")
            fuzzCheck((4...StartupLimits.maxCancelKeyLength).contains(request.secretKey.count), "cancel key size")
        case (.startup(let message), .startup(consumed, let major, let minor)):
            fuzzCheck(message.majorVersion == major && message.minorVersion == minor, "startup version")
            // Text that was not UTF-8 comes back with U+FFFD, so the bytes may differ; the message may not.
            let encoded = packet.encoded
            if encoded.count <= StartupLimits.maxStartupPacketLength {
                let again = FirstPacketParser.parse(encoded)
                fuzzCheck(again == .complete(packet, consumed: encoded.count), "startup round trip: \(again)")
            }
        default:
            fatalError("fuzz invariant: \(packet) for header \(header)")
        }
    }
}

/// The decoder for a server's ErrorResponse never traps, and what it decodes re-encodes to the same message.
func checkErrorResponseDecode(_ stream: [UInt8]) {
    guard let first = stream.first, first == ErrorResponse.messageType else { return }
    let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: stream.count, alignment: 1)
    defer { exact.deallocate() }
    exact.copyBytes(from: stream)
    guard let decoded = ErrorResponse.decode(UnsafeRawBufferPointer(exact)) else { return }
    let again = ErrorResponse.decode(decoded.encoded)
    fuzzCheck(again == decoded, "ErrorResponse round trip: \(decoded) -> \(String(describing: again))")
}
