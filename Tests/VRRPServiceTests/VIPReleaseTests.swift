import ConfigModel
import NetTypes
import VRRPIO
@testable import VRRPService
import Foundation
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

/// The daemon's list of the VIPs it holds or may hold, and `release-vips` removing it with the configuration's.
final class HeldVIPsReleaseTests: XCTestCase {
    private let kept = IPNetwork("192.168.1.100/24")!
    private let dropped = IPNetwork("192.168.1.102/32")!

    /// A reload removed `dropped` from the file while a master held it (or the file was edited and not reloaded):
    /// the configuration alone no longer names it, the daemon's list does.
    func testAVIPOnlyTheDaemonsListNamesIsReleasedToo() throws {
        let vips = FakeVirtualAddresses()
        let lo = try NetworkInterface(named: "lo")
        _ = try vips.add(kept, to: lo, label: nil)
        _ = try vips.add(dropped, to: lo, label: nil)
        let onDisk = VRRPConfig(name: "VI_1", interface: "lo", virtualRouterID: 51, virtualAddresses: [kept])
        let held = VRRPConfig(
            name: "VI_1", interface: "lo", virtualRouterID: 51, virtualAddresses: [kept, dropped])
        let path = NSTemporaryDirectory() + "held-vips-\(getpid())"
        defer { unlink(path) }
        try HeldVIPsFile.write(HeldVIPsFile.entries(of: [held]), to: path)

        let outcomes = VIPRelease.run([onDisk], held: try HeldVIPsFile.read(from: path), vips: vips) {
            try NetworkInterface(named: $0)
        }
        XCTAssertEqual(outcomes.map(\.vip), [kept, dropped], "one outcome per VIP, the configuration's first")
        XCTAssertEqual(outcomes.map(\.result), [.removed, .removed])
        XCTAssertTrue(vips.present.isEmpty)
    }

    func testTheFileRoundTripsAndAMissingOneIsEmpty() throws {
        let config = VRRPConfig(
            name: "VI_1", interface: "eth0", virtualRouterID: 51, virtualAddresses: [kept, IPNetwork("fe80::1/64")!])
        let entries = HeldVIPsFile.entries(of: [config])
        XCTAssertEqual(HeldVIPsFile.encode(entries), "VI_1 eth0 192.168.1.100/24\nVI_1 eth0 fe80::1/64\n")
        XCTAssertEqual(HeldVIPsFile.decode(HeldVIPsFile.encode(entries) + "garbage\n"), entries)
        XCTAssertEqual(try HeldVIPsFile.read(from: "/nonexistent/held-vips"), [])
        XCTAssertEqual(HeldVIPsFile.defaultPath(environment: ["RUNTIME_DIRECTORY": "/run/pgfloat"]),
                       "/run/pgfloat/held-vips")
        XCTAssertNil(HeldVIPsFile.defaultPath(environment: [:]))
    }
}
