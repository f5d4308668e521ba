import ConfigModel
import NetTypes
import XCTest

/// A `unicast_source` copied from another node makes every node drop the others' adverts as its own: each host must
/// find it among its own addresses.
final class VRRPUnicastSourceTests: XCTestCase {
    private let host: [String: [IPAddress]] = [
        "lo": [IPAddress("127.0.0.1")!], "eth0": [IPAddress("10.0.0.1")!, IPAddress("fe80::1")!], "eth1": [],
    ]

    private func instance(source: String?, interface: String = "eth0") -> VRRPConfig {
        VRRPConfig(
            name: "VI_1", interface: interface, virtualRouterID: 51, virtualAddresses: [IPNetwork("10.0.0.100/24")!],
            unicastSource: source.map { IPAddress($0)! }, unicastPeers: [IPAddress("10.0.0.2")!], line: 7)
    }

    func testAnAddressOfThisHostIsLocal() {
        XCTAssertEqual(instance(source: "10.0.0.1").unicastSourceLocality(hostAddresses: host), .local)
        XCTAssertEqual(
            instance(source: "10.0.0.1", interface: "eth1").unicastSourceLocality(hostAddresses: host), .local,
            "any of the host's addresses, as the kernel accepts it as a source")
        XCTAssertEqual(instance(source: nil).unicastSourceLocality(hostAddresses: host), .local, "nothing to check")
    }

    func testAnotherNodesAddressIsNotLocal() {
        XCTAssertEqual(
            instance(source: "10.0.0.2").unicastSourceLocality(hostAddresses: host),
            .notLocal(IPAddress("10.0.0.2")!))
    }

    /// `pgfloat check` on a build host: without the interface there is nothing to compare with.
    func testWithoutTheInterfaceNobodyCanTell() {
        XCTAssertEqual(
            instance(source: "10.0.0.2", interface: "bond0").unicastSourceLocality(hostAddresses: host),
            .unknownInterface("bond0"))
    }

    func testCheckWarningsNameTheFileLineAndAddress() {
        XCTAssertNil(instance(source: "10.0.0.1").unicastSourceWarning(path: "p.toml", hostAddresses: host))
        XCTAssertEqual(
            instance(source: "10.0.0.2").unicastSourceWarning(path: "p.toml", hostAddresses: host),
            #"p.toml:7: vrrp.unicast_source: warning: 10.0.0.2 is not an address of this host; "#
                + #"pgfloat run refuses instance "VI_1" here"#)
        XCTAssertEqual(
            instance(source: "10.0.0.2", interface: "bond0").unicastSourceWarning(path: "p.toml", hostAddresses: host),
            #"p.toml:7: vrrp.unicast_source: note: cannot tell whether 10.0.0.2 is an address of this host: "#
                + #"interface "bond0" of instance "VI_1" does not exist here"#)
    }
}
