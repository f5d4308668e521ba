/// A backend ErrorResponse ('E') message.
///
/// PostgreSQL docs, "Message Formats" (ErrorResponse) and "Error and Notice Message Fields": Byte1 'E', Int32
/// length (counting itself but not the type byte), then fields each made of a type byte and a C string, then a
/// zero byte. The proxy sends these itself when it refuses a client before any server is involved.
public struct ErrorResponse: Equatable, Sendable {
    /// "FATAL" etc; sent as both 'S' (localized) and 'V' (never localized, since 9.6) fields.
    public var severity: String
    /// The 5-character SQLSTATE, sent as the 'C' field.
    public var sqlState: String
    /// The primary message, sent as the 'M' field.
    public var message: String
    /// Optional secondary detail, sent as the 'D' field.
    public var detail: String?
    /// Optional hint, sent as the 'H' field.
    public var hint: String?

    /// Creates an error response.
    public init(
        severity: String = "FATAL", sqlState: String, message: String, detail: String? = nil, hint: String? = nil
    ) {
        self.severity = severity
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// The message type byte, 'E'.
    public static let messageType: UInt8 = 0x45

    /// Field type bytes ("Error and Notice Message Fields").
    enum Field {
        static let severityLocalized: UInt8 = 0x53  // 'S'
        static let severity: UInt8 = 0x56  // 'V'
        static let code: UInt8 = 0x43  // 'C'
        static let message: UInt8 = 0x4D  // 'M'
        static let detail: UInt8 = 0x44  // 'D'
        static let hint: UInt8 = 0x48  // 'H'
    }

    /// 'E', Int32 length, fields (type byte + cstring) ..., terminating 0. NUL bytes inside field values are
    /// dropped, since they would end the C string early and corrupt the framing.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [Self.messageType, 0, 0, 0, 0]  // Length placeholder, patched below.
        func field(_ type: UInt8, _ value: String) {
            bytes.append(type)
            bytes.appendCString(value)
        }
        field(Field.severityLocalized, severity)
        field(Field.severity, severity)
        field(Field.code, sqlState)
        field(Field.message, message)
        if let detail { field(Field.detail, detail) }
        if let hint { field(Field.hint, hint) }
        bytes.append(0)
        let length = UInt32(clamping: bytes.count - 1)  // The type byte is not counted.
        bytes[1] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[3] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[4] = UInt8(truncatingIfNeeded: length)
        return bytes
    }

    /// Decodes one complete ErrorResponse message (type byte included), or returns nil if `bytes` is not exactly
    /// one well-formed ErrorResponse carrying a severity, an SQLSTATE and a message. Never traps.
    ///
    /// Unknown field types are skipped, as the protocol asks of frontends. The non-localized 'V' severity is
    /// preferred over 'S' when both are present.
    public static func decode(_ bytes: [UInt8]) -> ErrorResponse? {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// Decodes one complete ErrorResponse message (type byte included); see the array overload.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> ErrorResponse? {
        guard bytes.count >= 6, bytes[0] == messageType, let rawLength = bytes.readUInt32BE(at: 1) else {
            return nil
        }
        // Compare in UInt32 before converting: a hostile length must not trap.
        guard rawLength >= 5, UInt64(rawLength) == UInt64(bytes.count - 1) else { return nil }
        let end = bytes.count
        var localizedSeverity: String?, severity: String?, code: String?, message: String?
        var detail: String?, hint: String?
        var index = 5
        while index < end {
            let type = bytes[index]
            if type == 0 {
                guard index == end - 1 else { return nil }  // The terminator must be the last byte.
                guard let finalSeverity = severity ?? localizedSeverity, let code, let message else { return nil }
                return ErrorResponse(
                    severity: finalSeverity, sqlState: code, message: message, detail: detail, hint: hint)
            }
            let valueStart = index + 1
            guard let valueEnd = bytes.indexOfNUL(from: valueStart, before: end) else { return nil }
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]),
                               as: UTF8.self)
            switch type {
            case Field.severityLocalized: localizedSeverity = value
            case Field.severity: severity = value
            case Field.code: code = value
            case Field.message: message = value
            case Field.detail: detail = value
            case Field.hint: hint = value
            default: break
            }
            index = valueEnd + 1
        }
        return nil  // No terminating zero byte.
    }
}
