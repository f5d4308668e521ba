import ConfigModel
import Foundation
import Glibc
import Logging

/// Reads and raises the process's open-file limit (`RLIMIT_NOFILE`) to what the configuration needs
/// (``DescriptorBudget``); the decision itself is ``DescriptorBudget/plan(soft:hard:)``.
///
/// Called once at start, before the data plane exists. A reload that raises `maxconn` does not raise the limit:
/// `pgfloat check` (run before every start and reload by pgfloat.service) warns, and a restart applies it.
public enum DescriptorLimit {
    /// The soft and hard limits now, or nil when they cannot be read.
    public static func current() -> (soft: UInt64, hard: UInt64)? {
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return nil }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    /// The descriptors the process has open, from `/proc/self/fd`; nil when it cannot be listed. Once, at start:
    /// afterwards the data plane's own count stands in for it (``DataPlane/descriptorsHeld``).
    public static func openCount() -> Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// Raises the soft limit as the plan says, and logs what was set; a hard limit below the need is a warning.
    ///
    /// When the soft limit already suffices nothing is called: under pgfloat.service `SystemCallFilter=~@resources`
    /// makes `setrlimit` fail with EPERM, and `LimitNOFILE=` is the unit's way to set the limit.
    public static func apply(for config: PGFloatConfig, logger: Logger) {
        let budget = DescriptorBudget(config)
        guard let (soft, hard) = current() else {
            let error = String(cString: strerror(errno))
            logger.warning("cannot read the open-file limit", metadata: ["error": "\(error)"])
            return
        }
        let metadata: Logger.Metadata = ["need": "\(budget.need)", "soft": "\(soft)", "hard": "\(hard)"]
        switch budget.plan(soft: soft, hard: hard) {
        case .sufficient:
            logger.info("open-file limit suffices", metadata: metadata)
        case .raise(let target):
            raise(to: target, hard: hard, metadata: metadata, logger: logger)
        case .shortOfHardLimit(let target):
            logger.warning("\(budget.shortfallWarning(hard: hard))", metadata: metadata)
            if let target { raise(to: target, hard: hard, metadata: metadata, logger: logger) }
        }
    }

    /// `pgfloat check`'s warning when the hard limit of the checking process (the same as the daemon's under
    /// pgfloat.service, whose ExecStartPre runs the check) is below the need; nil otherwise.
    public static func checkWarning(for config: PGFloatConfig) -> String? {
        guard let (soft, hard) = current() else { return nil }
        let budget = DescriptorBudget(config)
        guard case .shortOfHardLimit = budget.plan(soft: soft, hard: hard) else { return nil }
        return "\(config.path): warning: \(budget.shortfallWarning(hard: hard))"
    }

    private static func raise(to target: UInt64, hard: UInt64, metadata: Logger.Metadata, logger: Logger) {
        var limit = rlimit(rlim_cur: rlim_t(target), rlim_max: rlim_t(hard))
        if setrlimit(openFiles, &limit) == 0 {
            logger.info("open-file limit raised", metadata: metadata.merging(["set": "\(target)"]) { $1 })
        } else {
            let error = String(cString: strerror(errno))
            logger.warning(
                "cannot raise the open-file limit; set LimitNOFILE= in the unit or `ulimit -n`",
                metadata: metadata.merging(["error": "\(error)", "wanted": "\(target)"]) { $1 })
        }
    }

    /// `RLIMIT_NOFILE` as getrlimit/setrlimit take it (Glibc imports the resource as an enum case).
    private static let openFiles = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
