import Glibc

/// SIGHUP, SIGTERM and SIGINT: the signals the daemon turns into a reload and a drain.
///
/// The listeners accept before ``Daemon/run()`` creates the signal sources (the kernel completes connects into
/// the backlog), so a client, a test or a configuration tool can see pgfloat up and signal it in that window. Left
/// at their default action, these signals would end the process there, every accepted connection with it.
public enum ControlSignals {
    static let numbers = [SIGHUP, SIGTERM, SIGINT]

    /// Holds the signals until the daemon's sources read them. Call it first thing, before any thread exists:
    /// every thread created afterwards inherits the block, so a signal waits pending for the process instead of
    /// reaching a thread; ``Daemon/run()`` then reads it and acts. Ignored too, for a thread that does not inherit
    /// the block (a dispatch worker created earlier). Child processes start with default dispositions and no mask.
    public static func hold() {
        var held = sigset_t()
        sigemptyset(&held)
        for number in numbers {
            signal(number, SIG_IGN)
            sigaddset(&held, number)
        }
        pthread_sigmask(SIG_BLOCK, &held, nil)
    }
}
