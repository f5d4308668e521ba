/// One keepalived.conf statement: its words, its line, and the statements of its `{ }` block if it opens one.
struct KeepalivedNode: Sendable, Equatable {
    var words: [String]
    var line: Int
    /// Nil for a plain statement; the block's statements (possibly none) for one that opens a block.
    var children: [KeepalivedNode]?

    var keyword: String { words.first ?? "" }
    /// The words after the keyword.
    var arguments: ArraySlice<String> { words.dropFirst() }
}

/// keepalived.conf as a tree of statements: syntax only.
///
/// keepalived's rules: words are separated by blanks, `"` groups words, `#` or `!` at the start of a word ends the
/// line, and `{`/`}` open and close blocks (a `{` on the next line still belongs to the statement before it).
/// Unbalanced braces are reported and repaired, never fatal.
struct KeepalivedDocument: Sendable, Equatable {
    var nodes: [KeepalivedNode] = []
    /// `(line, message)` for each brace that had to be repaired.
    var problems: [(line: Int, message: String)] = []

    static func == (lhs: KeepalivedDocument, rhs: KeepalivedDocument) -> Bool {
        lhs.nodes == rhs.nodes && lhs.problems.map(\.line) == rhs.problems.map(\.line)
            && lhs.problems.map(\.message) == rhs.problems.map(\.message)
    }

    init(text: String) {
        // The open blocks, innermost last; the bottom one is the file.
        var stack: [KeepalivedNode] = [KeepalivedNode(words: [], line: 0, children: [])]
        var lineNumber = 0
        func finish(_ words: inout [String], line: Int) {
            guard !words.isEmpty else { return }
            stack[stack.count - 1].children!.append(KeepalivedNode(words: words, line: line, children: nil))
            words = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var words: [String] = []
            for token in Self.tokens(rawLine) {
                switch token {
                case .open:
                    if words.isEmpty, let last = stack[stack.count - 1].children!.last, last.children == nil {
                        // `{` alone on a line opens the block of the statement above.
                        stack[stack.count - 1].children!.removeLast()
                        stack.append(KeepalivedNode(words: last.words, line: last.line, children: []))
                    } else {
                        stack.append(KeepalivedNode(words: words, line: lineNumber, children: []))
                        words = []
                    }
                case .close:
                    finish(&words, line: lineNumber)
                    if stack.count > 1 {
                        let block = stack.removeLast()
                        stack[stack.count - 1].children!.append(block)
                    } else {
                        problems.append((lineNumber, "a \"}\" that closes nothing; ignored"))
                    }
                case .word(let word):
                    words.append(word)
                }
            }
            finish(&words, line: lineNumber)
        }
        while stack.count > 1 {
            let block = stack.removeLast()
            problems.append((block.line, "this block is not closed; closed at the end of the file"))
            stack[stack.count - 1].children!.append(block)
        }
        nodes = stack[0].children ?? []
    }

    enum Token: Equatable {
        case word(String)
        case open
        case close
    }

    static func tokens(_ line: Substring) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var inWord = false
        var inQuote = false
        func flush() {
            if inWord { tokens.append(.word(current)) }
            current = ""
            inWord = false
        }
        for character in line {
            if inQuote {
                if character == "\"" { inQuote = false } else { current.append(character) }
                continue
            }
            switch character {
            case "\"":
                inQuote = true
                inWord = true
            case " ", "\t", "\r":
                flush()
            case "{", "}":
                flush()
                tokens.append(character == "{" ? .open : .close)
            case "#" where !inWord, "!" where !inWord:
                flush()
                return tokens
            default:
                current.append(character)
                inWord = true
            }
        }
        flush()
        return tokens
    }
}
