/// One input file: its path as the operator gave it (for diagnostics) and its whole text.
public struct ImportSource: Sendable, Equatable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The last path component, used in the comments of the generated file.
    var displayName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// Where a value came from: the file, the line and the directive, for diagnostics and for the comment beside each
/// generated key.
struct Origin: Sendable, Equatable {
    /// The path as given, for diagnostics.
    var path: String
    var line: Int
    var directive: String
    /// The last path component, for comments.
    var displayName: String

    init(path: String, line: Int, directive: String, displayName: String? = nil) {
        self.path = path
        self.line = line
        self.directive = directive
        self.displayName = displayName ?? (path.split(separator: "/").last.map(String.init) ?? path)
    }

    func with(directive: String) -> Origin {
        Origin(path: path, line: line, directive: directive, displayName: displayName)
    }

    /// `haproxy.cfg:42 option httpchk`.
    var comment: String { "\(displayName):\(line) \(directive)" }
}

/// A value with the line it was written on; nil origin marks a value the importer chose (a default).
struct Sourced<Value> {
    var value: Value
    var origin: Origin?
    /// Why the value is what it is, when the directive alone does not say (`keepalived's default`).
    var remark: String?

    init(_ value: Value, _ origin: Origin?, remark: String? = nil) {
        self.value = value
        self.origin = origin
        self.remark = remark
    }

    /// The comment written after the key: origin and remark.
    var comment: String? {
        let parts = [origin?.comment, remark].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }
}

extension Sourced: Equatable where Value: Equatable {}
extension Sourced: Sendable where Value: Sendable {}
