/// The one place each output format escapes text, so no report can forget a case.
///
/// Every string shown comes from configuration, from servers (check errors) or from clients (addresses), so
/// each is treated as hostile: it must not break a line, a column, a CSV row or the XML of the stats page.
enum Escaping {
    /// Scalars that would break a line or fool a terminal: C0/C1 controls, DEL, format characters (bidi
    /// overrides) and the Unicode line and paragraph separators.
    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// `text` on one line with unprintable scalars as `?`, cut after `limit` scalars with `...` appended.
    ///
    /// Walks at most `limit + 1` scalars, so echoing a megabyte of hostile input costs no more than a short one.
    static func printable<S: StringProtocol>(_ text: S, limit: Int = .max) -> String {
        var result = String.UnicodeScalarView()
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == limit {
                result.append(contentsOf: "...".unicodeScalars)
                break
            }
            result.append(isUnprintable(scalar) ? "?" : scalar)
        }
        return String(result)
    }

    /// One field of a space-separated report (`show servers state`, `show sessions`...): whitespace and
    /// unprintable scalars become `_` so the column count never changes, and an empty value is `-`.
    static func word(_ text: String) -> String {
        guard !text.isEmpty else { return "-" }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            result.append(scalar.properties.isWhitespace || isUnprintable(scalar) ? "_" : scalar)
        }
        return String(result)
    }

    /// A CSV field per RFC 4180: quoted, inner quotes doubled, when it holds a comma, a quote or a line break.
    static func csv(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        var quoted = "\""
        for character in text {
            quoted += character == "\"" ? "\"\"" : String(character)
        }
        return quoted + "\""
    }

    /// Text or attribute value for the XHTML stats page.
    ///
    /// Besides the five markup characters, XML 1.0 (section 2.2, `Char`) forbids C0 controls other than tab, LF
    /// and CR, and U+FFFE/U+FFFF, even as character references: they become U+FFFD so the page stays
    /// well-formed whatever a server's check error says.
    static func html(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result.unicodeScalars.append("\u{FFFD}")
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
