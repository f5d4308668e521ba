import TOMLKit

/// Typed readers for field values. Each reports its own problem and returns nil, so callers simply skip the
/// assignment and loading goes on to find further problems.
extension Field {
    /// The longest path that fits `sockaddr_un.sun_path` (108 bytes on Linux) with its terminating NUL.
    static let maxSocketPathBytes = 107

    func string(expected: String = "a string") -> String? {
        guard let string = value.string else {
            reportWrongType(expected: expected)
            return nil
        }
        return string
    }

    func boolean() -> Bool? {
        guard let bool = value.bool else {
            reportWrongType(expected: "true or false")
            return nil
        }
        return bool
    }

    func integer(in range: ClosedRange<Int>) -> Int? {
        let wanted = range.upperBound == .max ? "an integer of at least \(range.lowerBound)" : "an integer in \(range)"
        guard let int = value.int else {
            reportWrongType(expected: wanted)
            return nil
        }
        guard range.contains(int) else {
            report("expected \(wanted), got \(int)")
            return nil
        }
        return int
    }

    /// A positive duration, or with `allowZero` also `"0s"` (for features that zero turns off), and at most
    /// `maximum` when one is given.
    func duration(allowZero: Bool = false, maximum: Duration? = nil) -> Duration? {
        guard let text = string(expected: "a duration string like \"5s\"") else { return nil }
        guard let duration = DurationParser.parse(text, allowZero: allowZero) else {
            report("invalid duration \"\(text)\"; \(DurationParser.syntaxHint)")
            return nil
        }
        if let maximum, duration > maximum {
            report("expected a duration of at most \(DurationParser.text(maximum)), got \"\(text)\"")
            return nil
        }
        return duration
    }

    /// A byte count: an integer, or a string with a unit.
    func byteSize() -> UInt64? {
        if let int = value.int {
            guard int >= 0 else {
                report("expected a size of at least 0 bytes, got \(int)")
                return nil
            }
            return UInt64(int)
        }
        guard let text = string(expected: "a size like 1048576 or \"16MB\"") else { return nil }
        guard let size = ByteSizeParser.parse(text) else {
            report("invalid size \"\(text)\"; \(ByteSizeParser.syntaxHint)")
            return nil
        }
        return size
    }

    func endpoint() -> Endpoint? {
        guard let text = string(expected: "an address string like \"10.0.0.11:5432\"") else { return nil }
        switch EndpointParser.parse(text, line: line) {
        case .success(let endpoint):
            return endpoint
        case .failure(let error):
            report(error.message)
            return nil
        }
    }

    /// A string or an array of strings, each an address; at least one.
    func endpoints() -> [Endpoint]? {
        if value.type == .string { return endpoint().map { [$0] } }
        let expected = "an address string or an array of them"
        guard let array = nonEmptyArray(expected: expected, element: "address") else { return nil }
        let endpoints = array.map { element($0).endpoint() }
        return endpoints.contains(nil) ? nil : endpoints.compactMap { $0 }
    }

    /// A name of a server or listener, limited to characters safe in logs, metrics and the admin API.
    ///
    /// Returns the string even when its characters are invalid (that is reported), so that a listener naming
    /// the server does not get a second, misleading "unknown server" problem.
    func identifier() -> String? {
        guard let name = string() else { return nil }
        if name.isEmpty || !name.allSatisfy(Self.isNameCharacter) {
            report("invalid name \"\(name)\"; use only letters, digits, \"_\", \".\" and \"-\"")
        }
        return name
    }

    /// A non-empty array of server names (checked against `[[server]]` later, once all servers are known).
    func serverNames() -> [String]? {
        guard let array = nonEmptyArray(expected: "an array of server names", element: "server name") else {
            return nil
        }
        let names = array.map { element($0).string(expected: "a server name string") }
        return names.contains(nil) ? nil : names.compactMap { $0 }
    }

    /// One of the raw values of `Choice`; `what` names the setting in the message (`role`, `check type`).
    func choice<Choice: RawRepresentable & CaseIterable>(_ what: String) -> Choice? where Choice.RawValue == String {
        guard let text = string() else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let known = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            report("unknown \(what) \"\(text)\"; expected one of \(known)")
            return nil
        }
        return choice
    }

    /// An absolute file path (or a command line starting with one).
    func absolutePath() -> String? {
        guard let path = string() else { return nil }
        guard path.hasPrefix("/") else {
            report("expected an absolute path starting with \"/\", got \"\(path)\"")
            return nil
        }
        return path
    }

    /// Reports a string outside a fixed set of words; returns nil so it reads as a failed conversion.
    func rejected(_ what: String, _ text: String) -> String? {
        report("unknown \(what) \"\(text)\"")
        return nil
    }

    func unixSocketPath() -> String? {
        guard let path = absolutePath() else { return nil }
        guard path.utf8.count <= Self.maxSocketPathBytes else {
            report("path \"\(path)\" is longer than \(Self.maxSocketPathBytes) bytes, the limit for a Unix socket")
            return nil
        }
        return path
    }

    /// The elements of a non-empty array; `expected` describes the whole value, `element` one entry.
    func nonEmptyArray(expected: String, element: String) -> TOMLArray? {
        guard let array = value.array else {
            reportWrongType(expected: expected)
            return nil
        }
        guard !array.isEmpty else {
            report("expected at least one \(element), got an empty array")
            return nil
        }
        return array
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "." || c == "-")
    }
}
