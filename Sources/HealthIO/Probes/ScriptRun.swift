import Foundation
import Glibc
import NIOCore

/// One run of a check script: spawned with `posix_spawn`, its output collected, killed with its whole process
/// group (a shell script's `sleep` included) when it outlives its deadline or the probe shuts down.
///
/// Contract: ``spawn(argv:environment:)`` and ``kill()`` may be called from any thread; ``wait(until:)`` blocks
/// and is called once, on a thread that may block (never an event loop). The child is reaped only inside `lock`,
/// and `kill()` signals only an unreaped child, so a signal never reaches a recycled process id.
final class ScriptRun: @unchecked Sendable {
    /// Output kept from each of stdout and stderr; the rest is read and dropped so the script never blocks.
    static let outputLimit = 4096
    /// How often the child is looked at while its pipes are quiet.
    private static let pollSlice: TimeAmount = .milliseconds(10)

    private let pid: pid_t
    /// The read ends of stdout and stderr, nil once at end of file. Touched only by ``wait(until:)``.
    private var pipes: [Int32?]
    private let lock = NSLock()
    private var reaped = false

    private init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid
        self.pipes = [stdoutFD, stderrFD]
    }

    /// Starts `argv[0]` (a path; no `PATH` search) with exactly `environment`, stdin from /dev/null, in a new
    /// process group, with default signal handling (the daemon's ignored signals would otherwise be inherited).
    static func spawn(argv: [String], environment: [String]) -> Result<ScriptRun, ProbeFailure> {
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdoutPipe) == 0 else {
            return .failure(ProbeFailure("pipe: \(String(cString: strerror(errno)))"))
        }
        guard pipe(&stderrPipe) == 0 else {
            let failure = ProbeFailure("pipe: \(String(cString: strerror(errno)))")
            close(stdoutPipe[0])
            close(stdoutPipe[1])
            return .failure(failure)
        }
        // Close-on-exec, so that what other threads spawn does not inherit the pipes and hold them open (the window
        // before fcntl is harmless: the end of a run is its exit, not the end of its output).
        for fd in stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { for pointer in cArgv + cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvironment)
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard status == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            return .failure(ProbeFailure("cannot run \(argv[0]): \(String(cString: strerror(status)))"))
        }
        return .success(ScriptRun(pid: pid, stdoutFD: stdoutPipe[0], stderrFD: stderrPipe[0]))
    }

    /// Kills the script and everything it started, unless it has already ended.
    func kill() {
        lock.lock()
        defer { lock.unlock() }
        if !reaped { _ = Glibc.kill(-pid, SIGKILL) }
    }

    /// Collects output until the script ends, killing it at `deadline`.
    func wait(until deadline: NIODeadline) -> ScriptResult {
        var collected: [[UInt8]] = [[], []]
        var timedOut = false
        var status: Int32 = 0
        while !reap(&status) {
            if !timedOut, NIODeadline.now() >= deadline {
                timedOut = true
                kill()
            }
            let wait = timedOut ? Self.pollSlice : min(deadline - NIODeadline.now(), Self.pollSlice)
            read(into: &collected, waitingUpTo: wait, rounds: 1)
        }
        // What the script wrote before it ended is still in the pipes. The rounds are bounded because a process
        // that left the group (setsid) may hold a pipe open and keep writing.
        read(into: &collected, waitingUpTo: .zero, rounds: 16)
        for case let fd? in pipes { close(fd) }
        pipes = [nil, nil]
        return ScriptResult(
            termination: timedOut ? .timedOut : Self.termination(status), stdout: collected[0], stderr: collected[1])
    }

    /// Reaps the child if it has ended; `status` then holds its wait status.
    private func reap(_ status: inout Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
        return reaped
    }

    /// Reads what the pipes hold, waiting at most `timeout` for the first byte. Also waits when every pipe is
    /// closed, so the caller's loop does not spin while the script runs.
    private func read(into collected: inout [[UInt8]], waitingUpTo timeout: TimeAmount, rounds: Int) {
        var waitMilliseconds = Int32(clamping: max(timeout.nanoseconds, 0) / 1_000_000)
        for _ in 0..<rounds {
            let open = pipes.indices.filter { pipes[$0] != nil }
            var fds = open.map { pollfd(fd: pipes[$0]!, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), waitMilliseconds) > 0 else { return }
            for (slot, entry) in zip(open, fds) where entry.revents != 0 {
                if !readChunk(from: entry.fd, into: &collected[slot]) {
                    close(entry.fd)
                    pipes[slot] = nil
                }
            }
            waitMilliseconds = 0
        }
    }

    /// Reads once from `fd`, keeping what fits under ``outputLimit``; false at end of file or on an error.
    private func readChunk(from fd: Int32, into output: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: Self.outputLimit)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 { return errno == EINTR }
        output.append(contentsOf: chunk[..<min(count, Self.outputLimit - output.count)])
        return count > 0
    }

    /// A wait status as an exit code or the signal that ended the process (Glibc's `WIFEXITED` and friends are
    /// macros Swift cannot import).
    static func termination(_ status: Int32) -> ScriptResult.Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}
