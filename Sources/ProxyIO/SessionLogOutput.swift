import Logging
import LogWriter

/// Where and how the data plane writes the line of each finished session: it formats the line itself into a
/// reused buffer and hands the bytes to `writer`, so a session costs no metadata dictionary and no sort.
public struct SessionLogOutput: Sendable {
    public var writer: LogWriter
    public var format: LogFormat
    /// The process's lowest logged level; session lines are `info`, so none is written above it.
    public var level: Logger.Level

    public init(writer: LogWriter, format: LogFormat, level: Logger.Level) {
        self.writer = writer
        self.format = format
        self.level = level
    }

    var writesSessions: Bool { level <= .info }
}
