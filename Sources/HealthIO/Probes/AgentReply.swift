import HealthCore

/// The parse of one line from a HAProxy-style agent (`agent-check`): words separated by spaces, tabs or commas,
/// case-insensitive, combined as HAProxy combines them (`up 50%` is up at half weight).
///
/// Recognised words: `up` and `ready`; `down`, `fail` and `stopped` (the rest of the line after a `#` is their
/// reason); `drain`; `maint`; and a weight `NN%` with NN in 0...256. Other words are ignored, as HAProxy does.
struct AgentReply: Equatable {
    /// Set by `down`, `fail` or `stopped`: the agent says the server must not be used.
    var down = false
    /// The text after `#`, an agent's explanation of a `down`.
    var reason: String?
    /// What the agent asked for; nil when it named no state and no weight.
    var directive: AgentDirective?

    /// The heaviest weight HAProxy accepts in an agent reply.
    static let maxWeightPercent = 256

    init(down: Bool = false, reason: String? = nil, directive: AgentDirective? = nil) {
        self.down = down
        self.reason = reason
        self.directive = directive
    }

    /// Parses the first line of `text`; nil when it holds no recognised word (an empty or foreign answer).
    init?(line text: String) {
        let firstLine = text.prefix { !$0.isNewline }
        let (words, comment) = Self.split(firstLine)
        var ready = false
        var drain = false
        var maintenance = false
        var weight: Int?
        var recognised = false
        for word in words {
            switch word.lowercased() {
            case "up", "ready": ready = true
            case "down", "fail", "stopped": down = true
            case "drain": drain = true
            case "maint": maintenance = true
            case let other:
                guard let percent = Self.weight(other) else { continue }
                weight = percent
            }
            recognised = true
        }
        guard recognised else { return nil }
        reason = comment
        // The strongest request wins: maintenance over drain over a weight over plain ready.
        if maintenance {
            directive = .maintenance
        } else if drain {
            directive = .drain
        } else if let weight {
            directive = .weightPercent(weight)
        } else if ready {
            directive = .ready
        }
    }

    /// The check's verdict: reachable unless the agent said down.
    var outcome: CheckOutcome {
        if down {
            let text = reason.map { "agent reports down: \($0)" } ?? "agent reports down"
            return CheckOutcome(reachable: false, error: text, agent: directive)
        }
        return CheckOutcome(reachable: true, agent: directive)
    }

    /// The words before a `#`, and the trimmed text after it.
    private static func split(_ line: Substring) -> (words: [Substring], comment: String?) {
        let parts = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let words = (parts.first ?? "").split { $0 == " " || $0 == "\t" || $0 == "," }
        guard parts.count == 2 else { return (words, nil) }
        let comment = parts[1].split { $0 == " " || $0 == "\t" }.joined(separator: " ")
        return (words, comment.isEmpty ? nil : comment)
    }

    /// `NN%` as a weight within 0...256; nil for any other word.
    private static func weight(_ word: String) -> Int? {
        guard word.hasSuffix("%"), let value = Int(word.dropLast()), (0...maxWeightPercent).contains(value) else {
            return nil
        }
        return value
    }
}
