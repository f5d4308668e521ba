/// The environment a script sees: a fixed `PATH` and what the caller passes, nothing of the daemon's own.
///
/// The daemon may have been started with anything in its environment (a `LD_PRELOAD`, a `PGPASSWORD`); a script
/// that runs as another user must not inherit it, and a script that behaves the same on every node must not
/// depend on how the daemon was started.
public enum ScriptEnvironment {
    /// keepalived's search path for scripts; programs in them may still need one.
    public static let defaultPath = "/usr/sbin:/usr/bin:/sbin:/bin"

    /// `NAME=value` strings: `PATH` (the caller may replace it) and `variables`, sorted by name so that the same
    /// input always gives the same environment.
    public static func build(_ variables: [String: String]) -> [String] {
        var all = variables
        if all["PATH"] == nil { all["PATH"] = defaultPath }
        // A name holding "=" would be read as a different variable; NUL would cut the string short in C.
        return all.filter { name, value in
            !name.isEmpty && !name.contains("=") && !name.contains("\0") && !value.contains("\0")
        }
        .sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }
    }
}
