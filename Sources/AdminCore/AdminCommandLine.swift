/// How a line received on the admin socket is cut into commands and words.
///
/// As in HAProxy, `;` separates commands on one line (`show info; show stat`). There is no quoting or escaping:
/// no name a command takes may contain `;`, a space or a tab. Both cuts are a single linear pass, so a hostile
/// megabyte line costs a megabyte of work.
public enum AdminCommandLine {
    /// The commands of `line`: cut at `;`, each trimmed of blanks, empty ones dropped (`;;;` holds none).
    public static func split(_ line: String) -> [String] {
        // Scalars, not Characters: a `;` or a blank followed by a combining mark still separates, as it
        // would for HAProxy's byte-wise parser.
        line.unicodeScalars.split(separator: ";").compactMap { part in
            guard let first = part.firstIndex(where: { !isBlank($0) }),
                  let last = part.lastIndex(where: { !isBlank($0) })
            else { return nil }
            return String(Substring(part[first...last]))
        }
    }

    /// The blank-separated words of `text`, at most `limit` of them: no command needs more, and stopping there
    /// keeps a line of a million words from allocating a million substrings.
    static func words(of text: Substring, limit: Int = .max) -> [Substring] {
        var words: [Substring] = []
        var start: String.Index?
        for index in text.unicodeScalars.indices {
            if isBlank(text.unicodeScalars[index]) {
                guard let wordStart = start else { continue }
                words.append(text[wordStart..<index])
                start = nil
                if words.count >= limit { return words }
            } else if start == nil {
                start = index
            }
        }
        if let wordStart = start { words.append(text[wordStart...]) }
        return words
    }

    /// Spaces and tabs separate words; CR and LF count too because telnet and some scripts end lines with CRLF.
    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }
}
