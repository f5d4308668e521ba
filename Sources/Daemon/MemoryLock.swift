import Glibc
import Logging

/// `[global] lock_memory` (keepalived's `vrrp_no_swap`): every page of the process, now and later, stays in RAM,
/// so that an advert never waits for one to come back from swap.
///
/// Unprivileged, `mlockall` needs `RLIMIT_MEMLOCK` (the unit's `LimitMEMLOCK=`) above what the process will ever
/// map: with MCL_FUTURE an allocation past the limit fails, so pgfloat.service sets it to infinity. A refusal is a
/// warning and the daemon runs on unlocked.
public enum MemoryLock {
    /// Locks the process's memory, or logs why it could not.
    public static func apply(logger: Logger) {
        guard mlockall(MCL_CURRENT | MCL_FUTURE) != 0 else {
            logger.info("memory locked (lock_memory)")
            return
        }
        let error = String(cString: strerror(errno))
        logger.warning(
            """
            lock_memory: cannot lock the process's memory; set LimitMEMLOCK=infinity in the unit, \
            `ulimit -l unlimited`, or run as root
            """,
            metadata: ["error": "\(error)"])
    }
}
