import ConfigModel
import NetTypes
import VRRPIO

/// `pgfloat release-vips`: takes this node's configured VIPs, and those the daemon last said it may hold
/// (`HeldVIPsFile`), off their interfaces, as pgfloat.service's
/// `ExecStopPost=` does after the daemon has gone. A run that crashed or was killed while master left its VIPs
/// configured, and a restart that fails never reaches the start-up cleanup: the node would answer ARP for an
/// address a peer now serves.
///
/// Removal ignores the prefix length (as the start-up cleanup does), and a VIP or interface already gone is no
/// error, so running it after a graceful stop, twice, or on a node that was backup changes nothing.
public enum VIPRelease {
    /// What happened to one configured VIP.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        public enum Result: Sendable, Equatable {
            case removed
            case absent
            case interfaceMissing
            case failed(String)
        }

        public var instance: String
        public var vip: IPNetwork
        public var interface: String
        public var result: Result

        public var description: String {
            switch result {
            case .removed: "\(instance): removed \(vip) from \(interface)"
            case .absent: "\(instance): \(vip) was not on \(interface)"
            case .interfaceMissing: "\(instance): no interface \(interface); nothing to remove"
            case .failed(let error): "\(instance): cannot remove \(vip) from \(interface): \(error)"
            }
        }
    }

    /// Removes every instance's VIPs, and those of `held` (the daemon's `HeldVIPsFile`), over rtnetlink, in the
    /// caller's network namespace; needs CAP_NET_ADMIN.
    public static func run(_ instances: [VRRPConfig], held: [HeldVIPsFile.Entry] = []) throws -> [Outcome] {
        let vips = try VIPManager()
        return run(instances, held: held, vips: vips) { try NetworkInterface(named: $0) }
    }

    /// The configuration's VIPs first, then those only the daemon's file names; one outcome per address and
    /// interface (removal ignores the prefix length).
    static func run(
        _ instances: [VRRPConfig], held: [HeldVIPsFile.Entry] = [], vips: VirtualAddressControl,
        lookup: (String) throws -> NetworkInterface
    ) -> [Outcome] {
        var seen: Set<String> = []
        let targets = (HeldVIPsFile.entries(of: instances) + held).filter {
            seen.insert("\($0.interface) \($0.vip.address)").inserted
        }
        return targets.map { target in
            var outcome = Outcome(
                instance: target.instance, vip: target.vip, interface: target.interface, result: .absent)
            guard let interface = try? lookup(target.interface) else {
                outcome.result = .interfaceMissing
                return outcome
            }
            do {
                if try !vips.removeStale(target.vip.address, from: interface).isEmpty { outcome.result = .removed }
            } catch {
                outcome.result = .failed("\(error)")
            }
            return outcome
        }
    }
}
