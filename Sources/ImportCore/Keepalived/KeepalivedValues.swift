import NetTypes

/// Readers for keepalived's value syntax.
enum KeepalivedValues {
    /// Seconds as keepalived writes them: a whole number or a decimal fraction (`1`, `0.5`), to the microsecond.
    static func seconds(_ text: String) -> Duration? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !whole.isEmpty || !fraction.isEmpty, isDigits(whole), isDigits(fraction), fraction.count <= 6,
            whole.count <= 9
        else { return nil }
        let seconds = Int(whole) ?? 0
        let micros = Int(fraction + String(repeating: "0", count: 6 - fraction.count)) ?? 0
        return .microseconds(seconds * 1_000_000 + micros)
    }

    /// A boolean as keepalived reads one: `true`/`on`/`yes` or `false`/`off`/`no`.
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "on", "yes": return true
        case "false", "off", "no": return false
        default: return nil
        }
    }

    /// A whole number, possibly negative (weights).
    static func integer(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text.hasPrefix("-") ? -(Int(digits) ?? 0) : Int(digits)
    }

    /// Whether a vrrp_script only checks that HAProxy runs: pgfloat tracks its own proxy instead.
    static func checksHAProxyRuns(_ script: String) -> Bool {
        let words = script.split(separator: " ").map(String.init)
        guard let first = words.first, script.contains("haproxy") else { return false }
        let command = first.split(separator: "/").last.map(String.init) ?? first
        switch command {
        case "killall", "pidof", "pgrep", "kill": return true
        case "systemctl": return words.contains("is-active")
        case "service": return words.contains("status")
        case "sh", "bash", "dash":
            guard let flag = words.firstIndex(of: "-c") else { return false }
            return checksHAProxyRuns(words[(flag + 1)...].joined(separator: " ").filter { $0 != "'" })
        default: return false
        }
    }

    /// The address of a `virtual_ipaddress` line as pgfloat reads it: `ADDRESS/LENGTH` or a bare address.
    static func virtualAddress(_ text: String) -> IPAddress.Family? {
        if let network = IPNetwork(text) { return network.address.family }
        if !text.contains("/"), let address = IPAddress(text) { return address.family }
        return nil
    }
}
