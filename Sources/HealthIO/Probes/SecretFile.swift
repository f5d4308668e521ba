import Foundation

/// A file that holds one secret (a password, or Patroni's `user:password`), read at each use so that a rotated
/// secret takes effect without a reload. Errors name the file, never its content.
public enum SecretFile {
    /// The file's content without its trailing line break(s).
    ///
    /// Reads synchronously: the file is a few bytes, read once per login or request, never on the proxy's loops.
    public static func read(_ path: String, setting: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProbeFailure("cannot read \(setting) \(path)")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
