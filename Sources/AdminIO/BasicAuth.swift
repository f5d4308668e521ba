import Foundation

/// The users allowed on the stats endpoint, from a file of `user:password` lines (HAProxy's `stats auth`).
///
/// Passwords stay in memory only, are compared in constant time, and are never logged or shown.
public struct BasicAuth: Sendable {
    private let credentials: [String: [UInt8]]

    /// Reads `path`; blank lines and `#` comments are skipped. Throws when the file cannot be read or has no user.
    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BasicAuthError("cannot read stats_auth_file \(path)")
        }
        var credentials: [String: [UInt8]] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw BasicAuthError("\(path):\(number + 1): expected user:password")
            }
            credentials[String(line[..<colon])] = Array(line[line.index(after: colon)...].utf8)
        }
        guard !credentials.isEmpty else { throw BasicAuthError("\(path): no user:password line") }
        self.credentials = credentials
    }

    /// Whether an `Authorization` header value names a known user with the right password.
    public func allows(authorization header: String?) -> Bool {
        guard let header, header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return false }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let given = Array(decoded[(colon + 1)...])
        guard let expected = credentials[user] else { return false }
        return Self.constantTimeEqual(given, expected)
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        var difference: UInt8 = left.count == right.count ? 0 : 1
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}

/// The stats auth file is missing or malformed.
public struct BasicAuthError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
