import ConfigModel
import VRRPService

/// `pgfloat release-vips`: this node's configured VIPs off their interfaces once the daemon has gone
/// (pgfloat.service's `ExecStopPost=`); the work is ``VRRPService/VIPRelease``'s.
public enum VIPCleanup {
    /// One line per configured VIP, and whether any could not be removed.
    public struct Report: Sendable, Equatable {
        public var lines: [String]
        public var failed: Bool
    }

    /// Loads `configPath` and removes every `[[vrrp]]` instance's virtual addresses. Throws what loading throws,
    /// or why rtnetlink could not be opened.
    public static func release(configPath: String) throws -> Report {
        let config = try ConfigFile.load(path: configPath)
        let outcomes = try VIPRelease.run(config.vrrp)
        let failed = outcomes.contains {
            if case .failed = $0.result { return true }
            return false
        }
        return Report(lines: outcomes.map(\.description), failed: failed)
    }
}
