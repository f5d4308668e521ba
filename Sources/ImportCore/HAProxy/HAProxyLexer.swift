/// Splits one line of haproxy.cfg into words, HAProxy's way: blanks separate words, `#` starts a comment, a
/// backslash escapes the next character, double quotes group words (backslash escapes still apply) and single
/// quotes group words literally. An unterminated quote runs to the end of the line rather than failing.
enum HAProxyLexer {
    static func words(_ line: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == "#" {
                break
            } else if character == " " || character == "\t" || character == "\r" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

/// One directive line: its words and its 1-based line number.
struct HAProxyStatement: Sendable, Equatable {
    var words: [String]
    var line: Int
}

/// One section: `global`, `defaults`, or a proxy with its name; other kinds are kept to be reported once.
struct HAProxySection: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case known(HAProxySectionKind)
        /// `userlist`, `peers`, `resolvers`, ...: sections the importer has nothing to take from.
        case other(String)
    }

    var kind: Kind
    /// The proxy or defaults name; empty for `global` and unnamed `defaults`.
    var name: String
    /// Words after the name (the old `listen NAME ADDRESS:PORT` form).
    var arguments: [String]
    var line: Int
    var statements: [HAProxyStatement] = []
}

/// haproxy.cfg as sections of statements: syntax only, no meaning yet.
struct HAProxyDocument: Sendable, Equatable {
    var sections: [HAProxySection] = []
    /// Statements before the first section header, which HAProxy rejects.
    var orphans: [HAProxyStatement] = []

    /// Section keywords HAProxy knows whose content pgfloat has no use for.
    static let otherSectionKeywords: Set = [
        "userlist", "peers", "resolvers", "mailers", "program", "http-errors", "ring", "cache", "fcgi-app",
        "log-forward", "crt-store", "traces", "acme",
    ]

    init(text: String) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let words = HAProxyLexer.words(rawLine)
            guard let first = words.first else { continue }
            if let kind = HAProxySectionKind(rawValue: first) {
                sections.append(
                    HAProxySection(
                        kind: .known(kind), name: words.count > 1 ? words[1] : "",
                        arguments: Array(words.dropFirst(2)), line: lineNumber))
            } else if Self.otherSectionKeywords.contains(first) {
                sections.append(
                    HAProxySection(
                        kind: .other(first), name: words.count > 1 ? words[1] : "", arguments: [], line: lineNumber))
            } else if sections.isEmpty {
                orphans.append(HAProxyStatement(words: words, line: lineNumber))
            } else {
                sections[sections.count - 1].statements.append(HAProxyStatement(words: words, line: lineNumber))
            }
        }
    }
}
