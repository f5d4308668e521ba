import ConfigModel
import VRRPService

/// `pgfloat release-vips`: this node's configured VIPs off their interfaces once the daemon has gone
/// (pgfloat.service's `ExecStopPost=`); the work is ``VRRPService/VIPRelease``'s.
public enum VIPCleanup {
    /// The configuration's problems when it did not load, then one line per VIP; whether the file did not load or
    /// any VIP could not be removed.
    public struct Report: Sendable, Equatable {
        public var lines: [String]
        public var failed: Bool
    }

    /// Where the daemon keeps its list under systemd (`$RUNTIME_DIRECTORY/held-vips`); nil outside a unit.
    public static var defaultHeldPath: String? { HeldVIPsFile.defaultPath() }

    /// Loads `configPath` and removes every `[[vrrp]]` instance's virtual addresses, and those the daemon listed
    /// in `heldPath` (``VRRPService/HeldVIPsFile``: a VIP a reload removed, or one of a file edited but not
    /// reloaded). A file that does not load still lets the listed VIPs go (a broken edit must not leave a
    /// crashed master's VIP on the interface) and makes the report failed. Throws when the list cannot be read or
    /// rtnetlink cannot be opened.
    public static func release(configPath: String, heldPath: String?) throws -> Report {
        let held = try heldPath.map { try HeldVIPsFile.read(from: $0) } ?? []
        var problems: [String] = []
        var instances: [VRRPConfig] = []
        do {
            instances = try ConfigFile.load(path: configPath).vrrp
        } catch let errors as ConfigErrors {
            problems = errors.problems.map(\.description)
        } catch {
            problems = ["\(configPath): \(error)"]
        }
        let outcomes = try VIPRelease.run(instances, held: held)
        let failed = !problems.isEmpty || outcomes.contains {
            if case .failed = $0.result { return true }
            return false
        }
        return Report(lines: problems + outcomes.map(\.description), failed: failed)
    }
}
