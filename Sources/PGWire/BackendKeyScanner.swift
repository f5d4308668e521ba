/// Finds the BackendKeyData in what a server sends at the start of a session, so a later CancelRequest can go
/// to that server alone.
///
/// Contract: feed it the server-to-client bytes of one connection in order, in chunks of any size, from the
/// first byte the server sends; it keeps no input, only its place in the message framing (and the at most 260
/// bytes of a BackendKeyData body). It answers `.needMore` until it has decided, then `.finished` with the same
/// outcome for ever; the caller stops feeding it then, so a session pays for it only during startup.
///
/// What it reads (PostgreSQL docs, "Message Flow", "Start-up", and "Message Formats"):
/// - After an SSLRequest or GSSENCRequest the server answers one byte: 'S' or 'G' (what follows is encrypted and
///   unreadable, so scanning ends), or 'N' (the client may ask again, or send its StartupMessage in the clear).
/// - Then messages: type byte, Int32 length counting itself, body. Before ReadyForQuery a server sends only
///   Authentication ('R'), NegotiateProtocolVersion ('v'), ParameterStatus ('S'), BackendKeyData ('K'),
///   NoticeResponse ('N') and ErrorResponse ('E'); any other type means the stream is not what it was taken for,
///   and scanning ends without a key rather than guessing.
/// - BackendKeyData is 'K', length 12 (a 4-byte secret) up to 8 + 256 (protocol 3.2 keys); it ends the scan.
///   ReadyForQuery ('Z') or ErrorResponse (fatal during startup) before it ends the scan without a key.
public struct BackendKeyScanner: Sendable {
    /// What the client's first packet was, which decides what the server's first byte means.
    public enum Start: Sendable {
        /// A StartupMessage: the server answers with messages at once.
        case startup
        /// An SSLRequest or GSSENCRequest: the server answers one byte first.
        case encryptionRequest
    }

    /// How a scan ended.
    public enum Outcome: Equatable, Sendable {
        /// The server's BackendKeyData.
        case key(BackendKey)
        /// ReadyForQuery came without a BackendKeyData (a server or pooler that sends none).
        case noKey
        /// The server agreed to TLS or GSSAPI encryption: the key is inside the encrypted stream.
        case encrypted
        /// An ErrorResponse during startup: the server closes the connection after it.
        case serverError
        /// Bytes that do not frame as startup messages (a bad type or length).
        case malformed
        /// More than the byte limit went by without a decision.
        case tooLong
    }

    /// What a call to `scan` found.
    public enum Progress: Equatable, Sendable {
        case needMore
        case finished(Outcome)
    }

    /// Bytes a startup may take before scanning gives up: authentication exchanges are small, though a GSSAPI
    /// token with a large Kerberos ticket can reach tens of kilobytes.
    public static let defaultByteLimit = 64 * 1024

    private enum State: Sendable {
        /// Waiting for the one-byte answer to an encryption request.
        case negotiating
        /// Reading the length word of a message of `type`: `lengthBytes` of its 4 bytes seen, making `length`.
        case header(type: UInt8, lengthBytes: Int, length: UInt32)
        /// At a message boundary: the next byte is a type.
        case boundary
        /// Skipping `remaining` body bytes of a message that is not BackendKeyData.
        case skipping(remaining: Int)
        /// Collecting a BackendKeyData body of `want` bytes.
        case key(body: [UInt8], want: Int)
        case finished(Outcome)
    }

    private var state: State
    private var budget: Int

    /// A scanner for a connection whose client opened with `start`.
    public init(start: Start, byteLimit: Int = defaultByteLimit) {
        state = start == .startup ? .boundary : .negotiating
        budget = byteLimit
    }

    /// Reads the next server bytes. Never traps, whatever they are.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Progress {
        if case .finished(let outcome) = state { return .finished(outcome) }
        var index = 0
        while index < bytes.count {
            if case .finished = state { break }
            if budget <= 0 {
                state = .finished(.tooLong)
                break
            }
            let used = step(bytes, from: index)
            index += used
            budget -= used
        }
        if case .finished(let outcome) = state { return .finished(outcome) }
        if budget <= 0 {
            state = .finished(.tooLong)
            return .finished(.tooLong)
        }
        return .needMore
    }

    /// Reads the next server bytes. Never traps, whatever they are.
    public mutating func scan(_ bytes: [UInt8]) -> Progress {
        bytes.withUnsafeBytes { scan($0) }
    }

    /// Consumes at least one byte of `bytes[index...]` (which is not empty); returns how many.
    private mutating func step(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        let byte = bytes[index]
        switch state {
        case .negotiating:
            switch byte {
            case Self.encryptionAccepted, Self.gssEncryptionAccepted: state = .finished(.encrypted)
            case Self.encryptionRefused: break  // The client may ask for the other encryption, or start up.
            default: beginMessage(type: byte)
            }
            return 1
        case .boundary:
            beginMessage(type: byte)
            return 1
        case .header(let type, let lengthBytes, let length):
            let grown = length << 8 | UInt32(byte)
            if lengthBytes < 3 {
                state = .header(type: type, lengthBytes: lengthBytes + 1, length: grown)
            } else {
                beginBody(type: type, length: grown)
            }
            return 1
        case .skipping(let remaining):
            let taken = min(remaining, bytes.count - index)
            state = taken == remaining ? .boundary : .skipping(remaining: remaining - taken)
            return taken
        case .key(var body, let want):
            let taken = min(want - body.count, bytes.count - index)
            body.append(contentsOf: bytes[index..<(index + taken)])
            if body.count == want {
                state = .finished(Self.decodeKey(body))
            } else {
                state = .key(body: body, want: want)
            }
            return taken
        case .finished:
            return bytes.count - index
        }
    }

    /// A type byte at a message boundary.
    private mutating func beginMessage(type: UInt8) {
        switch type {
        case MessageType.readyForQuery: state = .finished(.noKey)
        case MessageType.errorResponse: state = .finished(.serverError)
        case MessageType.authentication, MessageType.negotiateProtocolVersion, MessageType.parameterStatus,
            MessageType.backendKeyData, MessageType.noticeResponse:
            state = .header(type: type, lengthBytes: 0, length: 0)
        default:
            state = .finished(.malformed)
        }
    }

    /// The length word is complete: check it and move to the body.
    private mutating func beginBody(type: UInt8, length: UInt32) {
        // The length counts its own 4 bytes; a set top bit is a negative Int32 on the wire.
        guard length >= 4, length & 0x8000_0000 == 0 else {
            state = .finished(.malformed)
            return
        }
        let bodyLength = Int(length) - 4
        // The budget still counts this length byte; a body that would end past the limit is decided here, so
        // the outcome does not depend on whether the body then arrives in one read or several.
        if bodyLength > budget - 1 {
            state = .finished(.tooLong)
        } else if type == MessageType.backendKeyData {
            guard bodyLength >= 4 + Self.minSecretLength, bodyLength <= 4 + StartupLimits.maxCancelKeyLength else {
                state = .finished(.malformed)
                return
            }
            state = .key(body: [], want: bodyLength)
        } else {
            state = bodyLength == 0 ? .boundary : .skipping(remaining: bodyLength)
        }
    }

    private static func decodeKey(_ body: [UInt8]) -> Outcome {
        let processID = body[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return .key(BackendKey(processID: processID, secretKey: Array(body[4...])))
    }

    /// The classic secret is 4 bytes; protocol 3.2 keys are longer, never shorter.
    static let minSecretLength = 4
    static let encryptionAccepted = UInt8(ascii: "S")
    static let gssEncryptionAccepted = UInt8(ascii: "G")
    static let encryptionRefused = UInt8(ascii: "N")

    /// Backend message type bytes that may come before ReadyForQuery ("Message Formats").
    enum MessageType {
        static let authentication = UInt8(ascii: "R")
        static let negotiateProtocolVersion = UInt8(ascii: "v")
        static let parameterStatus = UInt8(ascii: "S")
        static let backendKeyData = UInt8(ascii: "K")
        static let noticeResponse = UInt8(ascii: "N")
        static let errorResponse = UInt8(ascii: "E")
        static let readyForQuery = UInt8(ascii: "Z")
    }
}
