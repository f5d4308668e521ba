import NetTypes
import XCTest

@testable import VRRPIO

final class HostAddressesTests: XCTestCase {
    /// Both families, and an interface without any address still listed (so "not here" means no such interface).
    func testListsEveryInterfaceWithItsAddresses() throws {
        let lab = try NetworkNamespaceLab()
        defer { lab.close() }
        try NetworkNamespaceLab.run([
            "ip", "-n", lab.namespaceA, "link", "add", "bare0", "type", "veth", "peer", "name", "bare1",
        ])
        try NetworkNamespaceLab.run(["ip", "-n", lab.namespaceA, "addr", "add", "2001:db8::1/64", "dev", "va"])
        let found = try lab.inside(lab.namespaceA) { try HostAddresses.byInterface() }
        XCTAssertEqual(found["lo"]?.contains(IPAddress("127.0.0.1")!), true, "\(found)")
        XCTAssertEqual(found["va"]?.contains(IPAddress(NetworkNamespaceLab.addressA)!), true, "\(found)")
        XCTAssertEqual(found["va"]?.contains(IPAddress("2001:db8::1")!), true, "\(found)")
        XCTAssertEqual(found["bare0"], [], "\(found)")
        XCTAssertNil(found["vb"], "the peer lives in another namespace")
    }
}
