import ConfigModel
import NetTypes
import VRRPIO

/// `pgfloat release-vips`: takes this node's configured VIPs off their interfaces, as pgfloat.service's
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

    /// Removes every instance's VIPs over rtnetlink, in the caller's network namespace; needs CAP_NET_ADMIN.
    public static func run(_ instances: [VRRPConfig]) throws -> [Outcome] {
        let vips = try VIPManager()
        return run(instances, vips: vips) { try NetworkInterface(named: $0) }
    }

    static func run(
        _ instances: [VRRPConfig], vips: VirtualAddressControl, lookup: (String) throws -> NetworkInterface
    ) -> [Outcome] {
        instances.flatMap { config -> [Outcome] in
            let interface = try? lookup(config.interface)
            return config.virtualAddresses.map { vip in
                var outcome = Outcome(instance: config.name, vip: vip, interface: config.interface, result: .absent)
                guard let interface else {
                    outcome.result = .interfaceMissing
                    return outcome
                }
                do {
                    if try !vips.removeStale(vip.address, from: interface).isEmpty { outcome.result = .removed }
                } catch {
                    outcome.result = .failed("\(error)")
                }
                return outcome
            }
        }
    }
}
