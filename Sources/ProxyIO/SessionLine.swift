import Glibc
import Logging
import LogWriter

/// The line a finished session leaves in the log, built on the data-plane thread.
///
/// Byte for byte what `StderrLogHandler` writes for `logger.info("session", metadata: ...)` with these keys: its
/// leading keys put them in this order, which `parse_sessions` in the integration harness and operators' tools read.
struct SessionLine {
    private var line: LogLine

    init(format: LogFormat) {
        line = LogLine(format: format)
    }

    /// The figures of one session; durations in milliseconds, -1 for a phase the session never reached.
    struct Fields {
        var listener: String
        var server: String
        var client: String
        var waitMilliseconds: Int64
        var connectMilliseconds: Int64
        var totalMilliseconds: Int64
        var bytesIn: UInt64
        var bytesOut: UInt64
        var end: String
    }

    /// The complete line, newline included; valid until the next call.
    mutating func format(_ fields: Fields, time: timespec? = nil) -> [UInt8] {
        line.begin(level: "\(Logger.Level.info)", message: "session", time: time)
        line.field("listener", fields.listener)
        line.field("server", fields.server)
        line.field("client", fields.client)
        line.field("wait_ms", fields.waitMilliseconds)
        line.field("connect_ms", fields.connectMilliseconds)
        line.field("total_ms", fields.totalMilliseconds)
        line.field("bytes_in", fields.bytesIn)
        line.field("bytes_out", fields.bytesOut)
        line.field("end", fields.end)
        line.finish()
        return line.bytes
    }
}
