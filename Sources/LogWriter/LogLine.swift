import Glibc

/// One log line in pgfloat's format (``LogFormat``), built into a byte buffer that is kept from line to line.
///
/// Text: `TIME LEVEL MESSAGE key=value key="quoted value"`, a value quoted (and escaped) when it is empty or holds
/// a space or a double quote. JSON: `{"ts":TIME,"level":LEVEL,"msg":MESSAGE,"key":"value"}`, every value a string.
/// The time is UTC with milliseconds, ISO 8601. Fields are written in the order given: the caller orders them.
public struct LogLine {
    public let format: LogFormat
    /// The line so far; complete (newline included) after ``finish()``.
    public private(set) var bytes: [UInt8] = []

    public init(format: LogFormat) {
        self.format = format
        bytes.reserveCapacity(512)
    }

    /// Forgets the previous line and starts one with the time (`time`, or now), the level's name and the message.
    public mutating func begin(level: String, message: String, time: timespec? = nil) {
        bytes.removeAll(keepingCapacity: true)
        switch format {
        case .text:
            appendTimestamp(time ?? Self.now())
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: level.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: message.utf8)
        case .json:
            bytes.append(contentsOf: #"{"ts":""#.utf8)
            appendTimestamp(time ?? Self.now())
            bytes.append(contentsOf: #"","level":""#.utf8)
            bytes.append(contentsOf: level.utf8)
            bytes.append(contentsOf: #"","msg":""#.utf8)
            appendEscaped(message.utf8)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Adds `key=value` (text) or `"key":"value"` (JSON).
    public mutating func field(_ key: String, _ value: String) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(UInt8(ascii: "="))
            let utf8 = value.utf8
            if utf8.isEmpty || utf8.contains(UInt8(ascii: " ")) || utf8.contains(UInt8(ascii: "\"")) {
                bytes.append(UInt8(ascii: "\""))
                appendEscaped(utf8)
                bytes.append(UInt8(ascii: "\""))
            } else {
                bytes.append(contentsOf: utf8)
            }
        case .json:
            openJSONField(key)
            appendEscaped(value.utf8)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Adds a decimal number as ``field(_:_:)-(String,String)`` would, without making a string of it.
    public mutating func field(_ key: String, _ value: Int64) {
        if value < 0 {
            field(key, "-" + String(value.magnitude))
            return
        }
        field(key, UInt64(value))
    }

    /// Adds a decimal number as ``field(_:_:)-(String,String)`` would, without making a string of it.
    public mutating func field(_ key: String, _ value: UInt64) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(UInt8(ascii: "="))
            appendDecimal(value)
        case .json:
            openJSONField(key)
            appendDecimal(value)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Ends the line with its newline.
    public mutating func finish() {
        if format == .json { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "\n"))
    }

    // MARK: - Pieces

    private mutating func openJSONField(_ key: String) {
        bytes.append(contentsOf: #",""#.utf8)
        appendEscaped(key.utf8)
        bytes.append(contentsOf: #"":""#.utf8)
    }

    /// JSON string escaping, byte by byte: UTF-8 sequences of non-ASCII characters pass unchanged.
    private mutating func appendEscaped(_ text: String.UTF8View) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func appendDecimal(_ value: UInt64) {
        guard value > 0 else {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        let start = bytes.count
        var rest = value
        while rest > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }

    private mutating func appendDigits(_ value: Int32, width: Int) {
        let start = bytes.count
        var rest = value
        for _ in 0..<width {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }

    /// UTC, millisecond precision, ISO 8601: `2026-11-27T19:05:01.123Z`.
    private mutating func appendTimestamp(_ time: timespec) {
        var parts = tm()
        var seconds = time.tv_sec
        gmtime_r(&seconds, &parts)
        appendDigits(parts.tm_year + 1900, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mon + 1, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mday, width: 2)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(parts.tm_hour, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_min, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_sec, width: 2)
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int32(time.tv_nsec / 1_000_000), width: 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func now() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now
    }
}
