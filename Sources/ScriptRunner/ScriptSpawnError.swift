/// Why a script could not be started; `description` is the log line.
public struct ScriptSpawnError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
