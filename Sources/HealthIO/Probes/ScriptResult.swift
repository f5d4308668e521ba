/// How a check script ended and what it printed.
struct ScriptResult: Equatable {
    enum Termination: Equatable {
        /// It exited by itself with this status.
        case exited(Int32)
        /// A signal from outside the check ended it.
        case signaled(Int32)
        /// It ran past the timeout and was killed with its process group.
        case timedOut
        /// It could not be started; the text says why.
        case notStarted(String)
    }

    var termination: Termination
    /// The start of its standard output, at most ``ScriptRun/outputLimit`` bytes.
    var stdout: [UInt8] = []
    /// The start of its standard error, at most ``ScriptRun/outputLimit`` bytes.
    var stderr: [UInt8] = []
}
