/// Readers for HAProxy's value syntax.
enum HAProxyValues {
    /// HAProxy's time format: a whole number with an optional unit (us, ms, s, m, h, d); milliseconds without one.
    static func duration(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let count = Int(digits) else { return nil }
        let units: [String: Int] = [
            "": 1_000, "us": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000,
            "d": 86_400_000_000,
        ]
        guard let unit = units[String(text.dropFirst(digits.count))] else { return nil }
        let (microseconds, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : .microseconds(microseconds)
    }

    /// A non-negative decimal integer, without sign or unit.
    static func integer(_ text: String) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// An address as HAProxy writes it, split into host and port. The port is after the last colon (HAProxy's own
    /// rule, so `:::5432` is IPv6 any), brackets are allowed around IPv6, `ipv4@`/`ipv6@` prefixes are dropped,
    /// and `*` or an empty host is the any address of the family.
    static func address(_ text: String) -> ParsedAddress {
        var rest = Substring(text)
        var any = "0.0.0.0"
        for prefix in ["ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            if prefix.contains("6") { any = "::" }
        }
        if rest.hasPrefix("/") || rest.contains("@") { return .unsupported("a UNIX socket or special address") }
        var host: Substring
        var port: Substring?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { return .invalid }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        if host == "*" || host.isEmpty { host = Substring(any) }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:%".contains($0)) }) else {
            return .invalid
        }
        guard let port else { return .address(host: String(host), port: nil) }
        if port.contains("-") || port.hasPrefix("+") { return .unsupported("a port range or offset") }
        guard let number = integer(String(port)), (1...65535).contains(number) else { return .invalid }
        return .address(host: String(host), port: number)
    }
}

enum ParsedAddress: Equatable {
    case address(host: String, port: Int?)
    case unsupported(String)
    case invalid
}

/// `host:port` as pgfloat writes it: IPv6 in brackets.
func endpointText(host: String, port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
