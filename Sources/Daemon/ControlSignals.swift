import Foundation
import Glibc

/// SIGHUP, SIGTERM and SIGINT: the signals the daemon turns into a reload and a drain.
///
/// The listeners accept before ``Daemon/run()`` creates the signal sources (the kernel completes connects into
/// the backlog), so a client, a test or a configuration tool can see pgfloat up and signal it in that window. Left
/// at their default action, these signals would end the process there, every accepted connection with it.
public enum ControlSignals {
    static let numbers = [SIGHUP, SIGTERM, SIGINT]

    /// Holds the signals until the daemon's sources read them. Call it on the main thread, first thing, before
    /// any other thread exists: `kill` aims a signal at the main thread, and a signal blocked there stays pending
    /// for the process (the kernel queues a blocked signal whatever its disposition) until ``Daemon/run()``
    /// registers the sources, which read it. Every thread created afterwards inherits the block; libdispatch's
    /// workers block all signals themselves. Blocked before the disposition changes, and caught rather than
    /// ignored, because setting SIG_IGN discards a pending signal. Scripts are started through the spawn shim,
    /// which gives them default dispositions and an empty mask; a child started any other way would inherit the
    /// block and never see SIGTERM.
    public static func hold() {
        precondition(Thread.isMainThread, "signals are held from the main thread, where kill() aims them")
        var held = sigset_t()
        sigemptyset(&held)
        for number in numbers { sigaddset(&held, number) }
        pthread_sigmask(SIG_BLOCK, &held, nil)
        // For a thread that would not inherit the block: a no-op loses the signal there instead of ending the
        // process. libdispatch replaces it with its own handler when it registers a source.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = SA_RESTART
        for number in numbers { sigaction(number, &action, nil) }
    }

    /// Whether a SIGTERM or SIGINT arrived while the signals were held. From the main thread, `sigpending` sees
    /// the signals pending for the process as well as its own.
    static func stopPending() -> Bool {
        var pending = sigset_t()
        sigpending(&pending)
        return [SIGTERM, SIGINT].contains { sigismember(&pending, $0) == 1 }
    }
}
