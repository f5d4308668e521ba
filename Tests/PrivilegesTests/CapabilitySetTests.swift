import Privileges
import XCTest

final class CapabilitySetTests: XCTestCase {
    func testDaemonSetIsTheThreeNetworkCapabilities() {
        // CAP_NET_BIND_SERVICE 10, CAP_NET_ADMIN 12, CAP_NET_RAW 13: bits 10, 12 and 13, as /proc shows them.
        XCTAssertEqual(CapabilitySet.daemon.bits, 0x3400)
        XCTAssertEqual(CapabilitySet.daemon.hex, "0000000000003400")
        XCTAssertEqual(CapabilitySet.daemon.description, "cap_net_bind_service,cap_net_admin,cap_net_raw")
        XCTAssertEqual(CapabilitySet.daemon.members, [.netBindService, .netAdmin, .netRaw])
    }

    func testParsesProcStatusHex() {
        XCTAssertEqual(CapabilitySet(hex: "000001ffffffffff")?.members.count, 41)
        XCTAssertEqual(CapabilitySet(hex: "\t0000000000003400 "), .daemon)
        XCTAssertEqual(CapabilitySet(hex: "0"), .empty)
        for bad in ["", "xyz", "00000000000000000", "-1"] { XCTAssertNil(CapabilitySet(hex: bad), bad) }
    }

    func testSetOperations() {
        let setpcap: CapabilitySet = [.setpcap]
        let all = CapabilitySet.daemon.union(setpcap)
        XCTAssertTrue(all.contains(.setpcap))
        XCTAssertEqual(all.subtracting(.daemon), setpcap)
        XCTAssertEqual(all.intersection(.daemon), .daemon)
        XCTAssertTrue(CapabilitySet.daemon.isSubset(of: all))
        XCTAssertFalse(all.isSubset(of: .daemon))
        XCTAssertEqual(CapabilitySet.empty.description, "none")
    }

    func testNames() {
        XCTAssertEqual(Capability(0).description, "cap_chown")
        XCTAssertEqual(Capability.setpcap.description, "cap_setpcap")
        XCTAssertEqual(Capability(40).description, "cap_checkpoint_restore")
        XCTAssertEqual(Capability(41).description, "cap_41")
    }
}
