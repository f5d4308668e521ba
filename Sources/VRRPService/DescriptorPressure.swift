import Glibc

/// Whether the process is too close to its open-file limit for the proxy to take clients (`track_proxy`).
///
/// The count is the data plane's own bookkeeping, which each heartbeat reply carries, plus what the rest of the
/// process holds (measured once at start, with an allowance for what comes and goes): no `/proc/self/fd` listing
/// on the VRRP thread, which would take longest exactly near the limit.
struct DescriptorPressure: Sendable, Equatable {
    /// Descriptor use above this share of the limit counts as the proxy being unable to take clients.
    static let limitShare = 0.95
    /// Descriptors outside the data plane that the start-up count misses: opened after it (VRRP's own sockets,
    /// the admin and stats listeners, the check loop), or coming and going (check connections, admin and stats
    /// clients, scripts' and hooks' pipes, the files a reload reads).
    static let transientAllowance = 64

    /// The soft `RLIMIT_NOFILE`.
    var limit: UInt64
    /// What the process holds outside the data plane, the allowance included.
    var outsideDataPlane: Int

    /// The problem to report when `dataPlaneHeld` plus the rest is above the share of the limit, else nil.
    func problem(dataPlaneHeld: Int) -> String? {
        let open = dataPlaneHeld + outsideDataPlane
        guard Double(open) > Double(limit) * Self.limitShare else { return nil }
        return "\(open) of \(limit) file descriptors in use"
    }

    /// The judge for the current soft limit (read once: pgfloat sets it before VRRP starts); nil when it cannot be
    /// read.
    static func current(outsideDataPlane: Int) -> DescriptorPressure? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur > 0 else { return nil }
        return DescriptorPressure(
            limit: UInt64(limit.rlim_cur), outsideDataPlane: outsideDataPlane + transientAllowance)
    }
}
