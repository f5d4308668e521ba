import Glibc
import Logging

/// Writes one line per event to stderr, as text or JSON.
///
/// A log line is one `fwrite` on stderr's FILE (which locks itself), so lines from the data plane and the
/// control plane never interleave.
public struct StderrLogHandler: LogHandler {
    /// Keys printed first, in this order, so that session lines read the same way every time.
    private static let leadingKeys = [
        "listener", "server", "client", "from", "to", "why", "wait_ms", "connect_ms", "total_ms", "bytes_in",
        "bytes_out", "end",
    ]

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: LogFormat

    public init(format: LogFormat, level: Logger.Level) {
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text: line = textLine(event.level, event.message.description, merged)
        case .json: line = jsonLine(event.level, event.message.description, merged)
        }
        fputs(line, stderr)
    }

    private func orderedKeys(_ metadata: Logger.Metadata) -> [String] {
        let leading = Self.leadingKeys.filter { metadata[$0] != nil }
        return leading + metadata.keys.filter { !Self.leadingKeys.contains($0) }.sorted()
    }

    private func textLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        var line = "\(Self.timestamp()) \(level) \(message)"
        for key in orderedKeys(metadata) {
            let value = "\(metadata[key]!)"
            let needsQuotes = value.isEmpty || value.contains(" ") || value.contains("\"")
            line += needsQuotes ? " \(key)=\"\(Self.escaped(value))\"" : " \(key)=\(value)"
        }
        return line + "\n"
    }

    private func jsonLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        var line = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(level)\",\"msg\":\"\(Self.escaped(message))\""
        for key in orderedKeys(metadata) {
            line += ",\"\(Self.escaped(key))\":\"\(Self.escaped("\(metadata[key]!)"))\""
        }
        return line + "}\n"
    }

    /// JSON string escaping; also used for quoted text values.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// UTC, millisecond precision, ISO 8601; formatted by hand because a DateFormatter per line is slow.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let milliseconds = Int32(now.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(milliseconds, 3))Z"
    }
}
