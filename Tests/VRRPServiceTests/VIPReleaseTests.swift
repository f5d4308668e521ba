import ConfigModel
import NetTypes
import VRRPIO
@testable import VRRPService
import XCTest

/// `pgfloat release-vips`, on the fake address control.
final class VIPReleaseTests: XCTestCase {
    private let first = IPNetwork("192.168.1.100/24")!
    private let second = IPNetwork("192.168.1.101/32")!

    func testRemovesPresentVIPsAndTakesAbsentOnesInItsStride() throws {
        let vips = FakeVirtualAddresses()
        _ = try vips.add(first, to: try NetworkInterface(named: "lo"), label: nil)
        let config = VRRPConfig(name: "VI_1", interface: "lo", virtualRouterID: 51, virtualAddresses: [first, second])
        let outcomes = VIPRelease.run([config], vips: vips) { try NetworkInterface(named: $0) }
        XCTAssertEqual(outcomes.map(\.result), [.removed, .absent])
        XCTAssertTrue(vips.present.isEmpty)
        XCTAssertEqual(outcomes.map(\.description), [
            "VI_1: removed 192.168.1.100/24 from lo", "VI_1: 192.168.1.101/32 was not on lo",
        ])
        // Again: nothing left, nothing fails.
        XCTAssertEqual(VIPRelease.run([config], vips: vips) { try NetworkInterface(named: $0) }.map(\.result),
                       [.absent, .absent])
    }

    func testAMissingInterfaceIsNothingToRemove() {
        struct Missing: Error {}
        let config = VRRPConfig(name: "VI_2", interface: "gone0", virtualRouterID: 52, virtualAddresses: [first])
        let outcomes = VIPRelease.run([config], vips: FakeVirtualAddresses()) { _ in throw Missing() }
        XCTAssertEqual(outcomes.map(\.result), [.interfaceMissing])
    }
}
