// The grammar, as HAProxy's CLI spells it (management.txt, section 9.3), for the commands pgfloat implements:
//
//   help | prompt | quit
//   show info | show stat | show sess | show sessions | show vrrp | show dcs
//   show servers state [<listener>] | show servers roles
//   set server <l>/<s> state ready|drain|maint | set server <l>/<s> weight <w> | set weight <l>/<s> <w>
//   enable server <l>/<s> | disable server <l>/<s> | shutdown sessions server <l>/<s>
//   set vrrp <instance> state backup|auto
//   clear timeline
//
// Keywords are case-sensitive, as in HAProxy. Every word is checked: a trailing extra word is an error rather
// than ignored, so a mistyped runbook line fails loudly instead of doing half of what it says.

extension AdminCommand {
    /// Parses one command (a piece of a line after ``AdminCommandLine/split(_:)``).
    ///
    /// Any input is accepted: errors carry a one-line message that echoes at most a short, sanitised prefix.
    public static func parse(_ text: String) -> Result<AdminCommand, AdminCommandError> {
        var words = CommandWords(AdminCommandLine.words(of: Substring(text), limit: CommandWords.limit))
        do {
            return .success(try parseVerb(&words))
        } catch {
            return .failure(error)
        }
    }

    private static func parseVerb(_ words: inout CommandWords) throws(AdminCommandError) -> AdminCommand {
        switch words.next() {
        case nil: throw .emptyCommand
        case "help": return try words.finish(.help)
        case "prompt": return try words.finish(.prompt)
        case "quit": return try words.finish(.quit)
        case "show": return try parseShow(&words)
        case "set": return try parseSet(&words)
        case "enable":
            try words.expect("server")
            let server = try words.server()
            return try words.finish(.enableServer(server))
        case "disable":
            try words.expect("server")
            let server = try words.server()
            return try words.finish(.disableServer(server))
        case "clear":
            try words.expect("timeline")
            return try words.finish(.clearTimeline)
        case "shutdown":
            try words.expect("sessions")
            try words.expect("server")
            let server = try words.server()
            return try words.finish(.shutdownSessions(server))
        default: throw words.unknown()
        }
    }

    private static func parseShow(_ words: inout CommandWords) throws(AdminCommandError) -> AdminCommand {
        switch words.next() {
        case "info": return try words.finish(.showInfo)
        case "stat": return try words.finish(.showStat)
        // `show sess` is HAProxy's spelling; `show sessions` is what people type.
        case "sess", "sessions": return try words.finish(.showSessions)
        case "vrrp": return try words.finish(.showVRRP)
        case "dcs": return try words.finish(.showDCS)
        case "servers":
            switch words.next() {
            case "state":
                let listener = words.next().map(String.init)
                return try words.finish(.showServersState(listener: listener))
            case "roles": return try words.finish(.showServersRoles)
            default: throw words.unknown()
            }
        default: throw words.unknown()
        }
    }

    private static func parseSet(_ words: inout CommandWords) throws(AdminCommandError) -> AdminCommand {
        switch words.next() {
        case "server":
            let server = try words.server()
            switch words.next() {
            case "state":
                guard let state = words.next().flatMap({ AdminState(rawValue: String($0)) }) else {
                    throw .badServerState
                }
                return try words.finish(.setServerState(server, state))
            case "weight":
                let weight = try words.weight()
                return try words.finish(.setServerWeight(server, weight))
            default: throw .badSetServer
            }
        // HAProxy's older spelling of `set server <l>/<s> weight <w>`.
        case "weight":
            let server = try words.server()
            let weight = try words.weight()
            return try words.finish(.setServerWeight(server, weight))
        case "vrrp":
            guard let instance = words.next() else { throw .requireVRRPInstance }
            try words.expect("state")
            guard let request = words.next().flatMap({ VRRPAdminRequest(rawValue: String($0)) }) else {
                throw .badVRRPState
            }
            return try words.finish(.setVRRPState(instance: String(instance), request))
        default: throw words.unknown()
        }
    }
}

/// The words of one command and how far parsing got, so an error can quote exactly the words it understood.
private struct CommandWords {
    /// The longest command (`set server <l>/<s> state <state>`) has 5 words; one more shows an extra argument.
    static let limit = 6

    private let words: [Substring]
    private var position = 0

    init(_ words: [Substring]) {
        self.words = words
    }

    mutating func next() -> Substring? {
        guard position < words.count else { return nil }
        defer { position += 1 }
        return words[position]
    }

    /// The error for a keyword that is missing or not one we know, quoting the words read so far.
    func unknown() -> AdminCommandError {
        .unknownCommand(words.prefix(position))
    }

    mutating func expect(_ keyword: Substring) throws(AdminCommandError) {
        guard next() == keyword else { throw unknown() }
    }

    /// `command` if no word is left.
    mutating func finish(_ command: AdminCommand) throws(AdminCommandError) -> AdminCommand {
        if let extra = next() { throw .unexpectedArgument(extra) }
        return command
    }

    mutating func server() throws(AdminCommandError) -> ServerReference {
        guard let word = next(), let reference = ServerReference(parsing: word) else { throw .requireServer }
        return reference
    }

    /// A plain decimal in 0...256. HAProxy's `<w>%` (relative to the initial weight) is refused rather than
    /// guessed at; digits only, so `+5`, `0x10` and overlong inputs are refused before any conversion.
    mutating func weight() throws(AdminCommandError) -> Int {
        guard let word = next(), (1...3).contains(word.utf8.count),
              word.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let weight = Int(word), weight <= AdminCommand.maxWeight
        else { throw .badWeight }
        return weight
    }
}
