import Glibc

/// keepalived's `vrrp_rt_priority`: the VRRP thread alone in SCHED_RR, so that busy proxy threads or a neighbour
/// on the same CPUs cannot delay an advert by more than a scheduler tick.
///
/// An unprivileged thread may enter SCHED_RR up to its `RLIMIT_RTPRIO` (the unit's `LimitRTPRIO=`); root needs
/// nothing (CAP_SYS_NICE). `SCHED_RESET_ON_FORK`: a process started from this thread begins in the normal
/// scheduler.
enum RealtimeScheduling {
    /// `SCHED_RESET_ON_FORK` from <sched.h>, which the Glibc module leaves out (it needs _GNU_SOURCE).
    static let resetOnFork: Int32 = 0x4000_0000

    /// Puts the calling thread in SCHED_RR at `priority`; returns the errno when the kernel refuses, else nil.
    static func enter(priority: Int) -> Int32? {
        var parameters = sched_param(sched_priority: Int32(priority))
        let result = pthread_setschedparam(pthread_self(), SCHED_RR | resetOnFork, &parameters)
        return result == 0 ? nil : result
    }

    /// The warning logged once when the kernel refused: what to change, for the common causes.
    static func refusal(priority: Int, errno: Int32) -> String {
        let reason = String(cString: strerror(errno))
        return "VRRP thread left in the normal scheduler: SCHED_RR at priority \(priority) refused (\(reason)); "
            + "set LimitRTPRIO=\(priority) or more (and RestrictRealtime=no, sched_setscheduler allowed) in the "
            + "unit, `ulimit -r \(priority)`, or run as root"
    }
}
