/// How log lines are written to stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-27T19:05:01.123Z info session listener=... end=client-close`
    case text
    /// One JSON object per line, metadata as top-level string fields.
    case json
}
