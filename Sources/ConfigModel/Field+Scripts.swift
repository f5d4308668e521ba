/// Readers for what runs external programs: command lines and the user they run as.
extension Field {
    /// The longest user name `useradd` accepts.
    static let maxUserNameBytes = 32

    /// A command line whose first word is an absolute path, kept as written (the runner splits it).
    func commandLine() -> String? {
        guard let command = string(expected: "a command line string") else { return nil }
        guard command.hasPrefix("/") else {
            report("expected a command line starting with an absolute path, got \"\(command)\"")
            return nil
        }
        return command
    }

    /// A user name as `useradd` accepts it: a letter or `_`, then letters, digits, `_`, `.` and `-`, with an
    /// optional final `$`.
    func userName() -> String? {
        guard let name = string(expected: "a user name string") else { return nil }
        let body = name.hasSuffix("$") ? name.dropLast() : name[...]
        let isValid = name.utf8.count <= Self.maxUserNameBytes
            && body.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
        guard isValid else {
            report(
                "invalid user name \"\(name)\"; start with a letter or \"_\", then use letters, digits, \"_\", "
                    + "\".\" and \"-\", at most \(Self.maxUserNameBytes) bytes")
            return nil
        }
        return name
    }
}
