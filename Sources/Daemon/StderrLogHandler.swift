import Logging
import LogWriter

/// Formats one line per event, as text or JSON, and hands it to the process's ``LogWriter`` (stderr).
///
/// The writer never blocks the caller: when stderr stalls (journald busy, a pipe nobody reads) lines are dropped
/// and counted rather than stopping the data plane, VRRP or an event loop in write(2).
public struct StderrLogHandler: LogHandler {
    /// Keys printed first, in this order, so that session lines read the same way every time. The data plane
    /// writes its session lines itself (`SessionLine` in ProxyIO), in this order too.
    static let leadingKeys = [
        "listener", "server", "client", "from", "to", "why", "wait_ms", "connect_ms", "total_ms", "bytes_in",
        "bytes_out", "end",
    ]

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: LogFormat
    private let writer: LogWriter

    public init(format: LogFormat, level: Logger.Level, writer: LogWriter) {
        self.format = format
        self.logLevel = level
        self.writer = writer
    }

    /// Makes every `Logger` of the process use this handler on `writer`, and the writer's drop notices match
    /// the format. Once per process; tests pass handlers to their loggers instead.
    public static func bootstrap(format: LogFormat, level: Logger.Level, writer: LogWriter) {
        writer.setDropNotice { count in
            var line = LogLine(format: format)
            line.begin(level: "\(Logger.Level.warning)", message: "\(count) log lines dropped")
            line.finish()
            return line.bytes
        }
        LoggingSystem.bootstrap { _ in StderrLogHandler(format: format, level: level, writer: writer) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = LogLine(format: format)
        line.begin(level: "\(event.level)", message: event.message.description)
        for key in orderedKeys(merged) { line.field(key, "\(merged[key]!)") }
        line.finish()
        writer.write(line.bytes)
    }

    private func orderedKeys(_ metadata: Logger.Metadata) -> [String] {
        let leading = Self.leadingKeys.filter { metadata[$0] != nil }
        return leading + metadata.keys.filter { !Self.leadingKeys.contains($0) }.sorted()
    }
}
