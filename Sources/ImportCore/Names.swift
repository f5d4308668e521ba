/// pgfloat names (servers, listeners, instances, track scripts) are letters, digits, `_`, `.` and `-`; HAProxy and
/// keepalived allow more.
enum Names {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy(isNameCharacter)
    }

    /// `name` with every other character replaced by `_`; `fallback` for an empty name.
    static func sanitized(_ name: String, fallback: String) -> String {
        guard !name.isEmpty else { return fallback }
        return String(name.map { isNameCharacter($0) ? $0 : "_" })
    }

    /// A sanitized name, reporting the change; `taken` names get `_2`, `_3`, ... appended.
    static func unique(
        _ name: String, fallback: String, taken: Set<String>, at origin: Origin, log: inout DiagnosticLog
    ) -> String {
        var result = sanitized(name, fallback: fallback)
        if result != name {
            log.warn(origin, "\"\(name)\" is not a pgfloat name (letters, digits, _, . and -): written as \(result)")
        }
        if taken.contains(result) {
            let base = result
            var suffix = 2
            while taken.contains("\(base)_\(suffix)") { suffix += 1 }
            result = "\(base)_\(suffix)"
            log.warn(origin, "the name \(base) is already taken: written as \(result)")
        }
        return result
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "." || c == "-")
    }
}

/// Picking one value for a pgfloat key that several HAProxy proxies or servers set, and saying so when they
/// disagree.
extension DiagnosticLog {
    /// The most common of `candidates` (the first written on a tie); a warning at the first other value when
    /// they differ.
    mutating func agreed<Value: Equatable>(
        _ candidates: [Sourced<Value>], _ what: String, reason: String, describe: (Value) -> String
    ) -> Sourced<Value>? {
        guard let first = candidates.first else { return nil }
        var distinct: [(value: Sourced<Value>, count: Int)] = []
        for candidate in candidates {
            if let index = distinct.firstIndex(where: { $0.value.value == candidate.value }) {
                distinct[index].count += 1
            } else {
                distinct.append((candidate, 1))
            }
        }
        let most = distinct.map(\.count).max() ?? 1
        let winner = distinct.first { $0.count == most }?.value ?? first
        if distinct.count > 1, let other = distinct.first(where: { $0.value.value != winner.value })?.value {
            let others = distinct.filter { $0.value.value != winner.value }.map { describe($0.value.value) }
            let at = other.origin ?? winner.origin
            let message =
                "\(what) differs (\(([describe(winner.value)] + others).joined(separator: ", "))): "
                + "\(reason); kept \(describe(winner.value))"
            if let at { warn(at, message) }
        }
        return winner
    }
}
