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

    /// Where the daemon keeps its list under systemd (`$RUNTIME_DIRECTORY/held-vips`); nil outside a unit.
    public static var defaultHeldPath: String? { HeldVIPsFile.defaultPath() }

    /// Loads `configPath` and removes every `[[vrrp]]` instance's virtual addresses, and those the daemon listed
    /// in `heldPath` (``VRRPService/HeldVIPsFile``: a VIP a reload removed, or one of a file edited but not
    /// reloaded). Throws what loading throws, or why rtnetlink could not be opened.
    public static func release(configPath: String, heldPath: String?) throws -> Report {
        let held = try heldPath.map { try HeldVIPsFile.read(from: $0) } ?? []
        let config = try ConfigFile.load(path: configPath)
        let outcomes = try VIPRelease.run(config.vrrp, held: held)
        let failed = outcomes.contains {
            if case .failed = $0.result { return true }
            return false
        }
        return Report(lines: outcomes.map(\.description), failed: failed)
    }
}
