/// Follows TOML values across lines, so that ``SourceMap`` can tell a line that continues a multi-line array,
/// inline table or string from a line that starts a new key or header.
struct ValueScanner {
    /// Arrays and inline tables opened and not yet closed.
    private var depth = 0
    /// The quote byte of an open `"""` or `'''` string.
    private var multilineQuote: UInt8?

    /// Whether the next line continues a value rather than starting a statement.
    var isInsideValue: Bool { depth > 0 || multilineQuote != nil }

    /// Consumes one line (or the part after a key's `=`), stopping at a comment.
    mutating func scan(_ bytes: ArraySlice<UInt8>) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let quote = multilineQuote {
                if byte == .backslash && quote == .doubleQuote {
                    index += 2
                } else if Self.isTriple(quote, in: bytes, at: index) {
                    multilineQuote = nil
                    index += 3
                } else {
                    index += 1
                }
                continue
            }
            switch byte {
            case .hash:
                return
            case .doubleQuote, .singleQuote:
                if Self.isTriple(byte, in: bytes, at: index) {
                    multilineQuote = byte
                    index += 3
                } else {
                    index = Self.endOfString(quote: byte, in: bytes, from: index + 1)
                }
                continue
            case .openBracket, .openBrace:
                depth += 1
            case .closeBracket, .closeBrace:
                depth = max(0, depth - 1)
            default:
                break
            }
            index += 1
        }
    }

    private static func isTriple(_ quote: UInt8, in bytes: ArraySlice<UInt8>, at index: Int) -> Bool {
        index + 2 < bytes.endIndex && bytes[index] == quote && bytes[index + 1] == quote && bytes[index + 2] == quote
    }

    /// The index just past the quote that closes a one-line string whose content starts at `start`.
    private static func endOfString(quote: UInt8, in bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.endIndex {
            if bytes[index] == .backslash && quote == .doubleQuote {
                index += 2
                continue
            }
            if bytes[index] == quote { return index + 1 }
            index += 1
        }
        return bytes.endIndex
    }
}
