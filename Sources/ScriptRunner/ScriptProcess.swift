import CSpawnShim
import Foundation
import Glibc
import MonotonicTime

/// One running script: started by the C shim (fork, optional user switch, exec) in its own process group, its
/// output collected, killed with its whole group (a shell script's `sleep` included) when it outlives its
/// deadline or its owner shuts down.
///
/// This is the one place in pgfloat that starts a process; ``ScriptLauncher`` wraps it for asynchronous callers,
/// and the daemon runs its configuration parser in a child with it, handing the file's text over on stdin.
///
/// Contract: ``spawn(_:environment:user:input:outputLimit:)`` and ``kill()`` may be called from any thread;
/// ``wait(until:)`` blocks, is called once, on a thread that may block (never an event loop). The child is reaped
/// only inside `lock`, and `kill()` signals only an unreaped child, so a signal never reaches a recycled process
/// id.
public final class ScriptProcess: @unchecked Sendable {
    /// Output kept from each of stdout and stderr unless the spawn says otherwise; the rest is read and dropped so
    /// the script never blocks.
    public static let outputLimit = 4096
    /// How often the child is looked at while its pipes are quiet.
    private static let pollSlice: Duration = .milliseconds(10)

    /// The child's process id, which is also its process group id.
    public let pid: pid_t
    /// The read ends of stdout and stderr, nil once at end of file. Touched only by ``wait(until:)``.
    private var pipes: [Int32?]
    /// The parent's end of stdin while `input` is being sent; nil without input, once sent, or once refused.
    /// Touched only by ``wait(until:)``.
    private var inputFD: Int32?
    private var input: ArraySlice<UInt8>
    private let outputLimit: Int
    private let lock = NSLock()
    private var reaped = false

    private init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32, input: [UInt8]?, inputFD: Int32?, outputLimit: Int) {
        self.pid = pid
        self.pipes = [stdoutFD, stderrFD]
        self.input = input?[...] ?? []
        self.inputFD = inputFD
        self.outputLimit = outputLimit
    }

    /// Starts `command` with exactly `environment`, stdin from /dev/null or `input`, in a new process group, with
    /// default signal handling and no inherited descriptors; as `user` when given.
    ///
    /// Returns once the program is running (or known not to be), so a missing file or a failed user switch is
    /// an error here rather than an exit status later.
    ///
    /// - Parameters:
    ///   - input: When given, stdin is a socket that ``wait(until:)`` sends these bytes on and then closes; a
    ///     child that stops reading cannot block the caller past its deadline, nor end it with SIGPIPE.
    ///   - outputLimit: How much of each of stdout and stderr to keep.
    public static func spawn(
        _ command: ScriptCommand, environment: [String], user: ScriptUser? = nil, input: [UInt8]? = nil,
        outputLimit: Int = ScriptProcess.outputLimit
    ) -> Result<ScriptProcess, ScriptSpawnError> {
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        // Close-on-exec from birth: a script another thread starts meanwhile must not hold these pipes open.
        var status = spawn_shim_pipe(&stdoutPipe)
        guard status == 0 else { return .failure(ScriptSpawnError("pipe: \(message(status))")) }
        status = spawn_shim_pipe(&stderrPipe)
        guard status == 0 else {
            close(stdoutPipe[0])
            close(stdoutPipe[1])
            return .failure(ScriptSpawnError("pipe: \(message(status))"))
        }
        var inputPair: [Int32] = [-1, -1]
        if input != nil {
            status = spawn_shim_socketpair(&inputPair)
            guard status == 0 else {
                for fd in stdoutPipe + stderrPipe { close(fd) }
                return .failure(ScriptSpawnError("socketpair: \(message(status))"))
            }
        }

        let cArguments = command.arguments.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        let groups = (user?.groups ?? []).map { gid_t($0) }
        var pid: pid_t = 0
        var stage: Int32 = 0
        status = groups.withUnsafeBufferPointer { groupBuffer in
            var options = spawn_shim_options(
                stdin_fd: inputPair[0], stdout_fd: stdoutPipe[1], stderr_fd: stderrPipe[1],
                switch_user: user == nil ? 0 : 1,
                uid: user?.uid ?? 0, gid: user?.gid ?? 0,
                // Only root may set supplementary groups; a daemon already running as the script user keeps its own.
                set_groups: user != nil && geteuid() == 0 ? 1 : 0,
                groups: groupBuffer.baseAddress, group_count: groupBuffer.count)
            return spawn_shim_start(command.path, cArguments, cEnvironment, &options, &pid, &stage)
        }
        close(stdoutPipe[1])
        close(stderrPipe[1])
        if input != nil { close(inputPair[0]) }
        guard status == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            if input != nil { close(inputPair[1]) }
            return .failure(ScriptSpawnError(describe(stage: stage, errno: status, command: command, user: user)))
        }
        return .success(
            ScriptProcess(
                pid: pid, stdoutFD: stdoutPipe[0], stderrFD: stderrPipe[0], input: input,
                inputFD: input == nil ? nil : inputPair[1], outputLimit: outputLimit))
    }

    /// Kills the script and everything it started, unless it has already ended.
    public func kill() {
        lock.lock()
        defer { lock.unlock() }
        if !reaped { _ = Glibc.kill(-pid, SIGKILL) }
    }

    /// Sends the input and collects output until the script ends, killing it at `deadline` (on the ``ScriptClock``,
    /// which is CLOCK_MONOTONIC as `DispatchTime`'s uptime).
    public func wait(until deadline: MonotonicInstant) -> ScriptResult {
        var collected: [[UInt8]] = [[], []]
        var timedOut = false
        var status: Int32 = 0
        while !reap(&status) {
            let now = ScriptClock.now()
            if !timedOut, now >= deadline {
                timedOut = true
                kill()
            }
            let wait = timedOut ? Self.pollSlice : min(deadline.since(now), Self.pollSlice)
            read(into: &collected, waitingUpTo: wait, rounds: 1)
        }
        if let fd = inputFD { stopSending(fd) }
        // What the script wrote before it ended is still in the pipes. The rounds are bounded because a process
        // that left the group (setsid) may hold a pipe open and keep writing.
        read(into: &collected, waitingUpTo: .zero, rounds: 16)
        for case let fd? in pipes { close(fd) }
        pipes = [nil, nil]
        return ScriptResult(
            termination: timedOut ? .timedOut : Self.termination(status), stdout: collected[0], stderr: collected[1])
    }

    /// A wait status as an exit code or the signal that ended the process (Glibc's `WIFEXITED` and friends are
    /// macros Swift cannot import).
    public static func termination(_ status: Int32) -> ScriptResult.Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    /// Reaps the child if it has ended; `status` then holds its wait status.
    private func reap(_ status: inout Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
        return reaped
    }

    /// Reads what the pipes hold and sends what stdin takes, waiting at most `timeout` for the first of either.
    /// Also waits when every descriptor is closed, so the caller's loop does not spin while the script runs.
    private func read(into collected: inout [[UInt8]], waitingUpTo timeout: Duration, rounds: Int) {
        var waitMilliseconds = Int32(clamping: timeout.milliseconds)
        for _ in 0..<rounds {
            let open = pipes.indices.filter { pipes[$0] != nil }
            var fds = open.map { pollfd(fd: pipes[$0]!, events: Int16(POLLIN), revents: 0) }
            if let fd = inputFD { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), waitMilliseconds) > 0 else { return }
            for (slot, entry) in zip(open, fds) where entry.revents != 0 {
                if !readChunk(from: entry.fd, into: &collected[slot]) {
                    close(entry.fd)
                    pipes[slot] = nil
                }
            }
            if let last = fds.last, last.fd == inputFD, last.revents != 0 { send(to: last.fd) }
            waitMilliseconds = 0
        }
    }

    /// Sends as much of the input as the socket takes; closes it once all is sent (the child's end of file) or
    /// when the child cannot take more (EPIPE: it closed stdin or died).
    private func send(to fd: Int32) {
        let sent = input.withUnsafeBytes { spawn_shim_send(fd, $0.baseAddress, $0.count) }
        if sent > 0 { input = input.dropFirst(sent) }
        if input.isEmpty || (sent < 0 && errno != EAGAIN && errno != EINTR) { stopSending(fd) }
    }

    private func stopSending(_ fd: Int32) {
        close(fd)
        inputFD = nil
    }

    /// Reads once from `fd`, keeping what fits under `outputLimit`; false at end of file or on an error.
    private func readChunk(from fd: Int32, into output: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 { return errno == EINTR }
        output.append(contentsOf: chunk[..<min(count, outputLimit - output.count)])
        return count > 0
    }

    private static func message(_ error: Int32) -> String { String(cString: strerror(error)) }

    /// The log line for a start that failed at `stage`.
    private static func describe(stage: Int32, errno error: Int32, command: ScriptCommand, user: ScriptUser?) -> String
    {
        let who = user.map { "\($0)" } ?? "the daemon's user"
        switch stage {
        case SPAWN_SHIM_STAGE_EXEC: return "cannot run \(command.path): \(message(error))"
        case SPAWN_SHIM_STAGE_SETGROUPS: return "cannot set the groups of \(who): \(message(error))"
        case SPAWN_SHIM_STAGE_SETGID, SPAWN_SHIM_STAGE_SETUID: return "cannot switch to \(who): \(message(error))"
        case SPAWN_SHIM_STAGE_FORK: return "fork: \(message(error))"
        case SPAWN_SHIM_STAGE_PIPE: return "pipe: \(message(error))"
        case SPAWN_SHIM_STAGE_STDIO: return "cannot set up the output of \(command.path): \(message(error))"
        case SPAWN_SHIM_STAGE_PROCESS_GROUP: return "setpgid: \(message(error))"
        default: return "cannot start \(command.path): \(message(error))"
        }
    }
}
