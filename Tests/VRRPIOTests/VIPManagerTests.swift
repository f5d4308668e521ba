import NetTypes
import XCTest

@testable import VRRPIO

/// VIP changes in a namespace of the test's own, checked against what `ip addr` shows there.
final class VIPManagerTests: XCTestCase {
    private var lab: NetworkNamespaceLab!
    private var manager: VIPManager!
    private var va: NetworkInterface!

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
        // Both sockets stay in namespace a after the setns thread ends; the test thread uses them from here on.
        (manager, va) = try lab.inside(lab.namespaceA) { (try VIPManager(), try NetworkInterface(named: "va")) }
    }

    override func tearDown() {
        manager = nil
        lab?.close()
        lab = nil
    }

    private func shownAddresses() throws -> String {
        try NetworkNamespaceLab.run(["ip", "-n", lab.namespaceA, "-o", "addr", "show", "dev", "va"])
    }

    func testIPv4VIPWithLabelIsAddedOnceAndRemovedOnce() throws {
        let vip = IPNetwork("198.51.100.7/32")!
        XCTAssertTrue(try manager.add(vip, to: va, label: "va:vip"))
        XCTAssertFalse(try manager.add(vip, to: va, label: "va:vip"), "a second add is a no-op")

        XCTAssertTrue(try shownAddresses().contains("inet 198.51.100.7/32 scope global va:vip"))
        let listed = try manager.addresses(on: va)
        let ipv4 = listed.filter { $0.network.address.family == .v4 }.map(\.network)
        XCTAssertEqual(ipv4, [IPNetwork("192.0.2.1/24")!, vip], "the kernel's order: the interface's own first")
        XCTAssertEqual(listed.first { $0.network == vip }?.label, "va:vip")

        XCTAssertTrue(try manager.remove(vip, from: va))
        XCTAssertFalse(try manager.remove(vip, from: va), "removing an absent VIP is a no-op")
        XCTAssertFalse(try shownAddresses().contains("198.51.100.7"))
    }

    func testIPv6VIPIsAddedWithoutDuplicateAddressDetection() throws {
        let vip = IPNetwork("2001:db8::7/128")!
        XCTAssertTrue(try manager.add(vip, to: va))
        XCTAssertFalse(try manager.add(vip, to: va))

        let shown = try shownAddresses()
        let line = shown.split(separator: "\n").first { $0.contains("2001:db8::7/128") }
        XCTAssertNotNil(line, shown)
        XCTAssertTrue(line?.contains("nodad") ?? false, shown)
        XCTAssertFalse(line?.contains("tentative") ?? true, "usable at once: \(shown)")
        let listed = try manager.addresses(on: va).first { $0.network == vip }
        XCTAssertEqual(listed?.isTentative, false)
        XCTAssertNil(listed?.label)

        XCTAssertTrue(try manager.remove(vip, from: va))
        XCTAssertFalse(try manager.remove(vip, from: va))
        XCTAssertFalse(try shownAddresses().contains("2001:db8::7"))
    }

    func testRemoveStaleRemovesTheVIPWhateverItsPrefix() throws {
        // What a run that crashed as master leaves behind, with a prefix the new configuration may not share.
        try NetworkNamespaceLab.run(["ip", "-n", lab.namespaceA, "addr", "add", "198.51.100.7/28", "dev", "va"])
        try NetworkNamespaceLab.run([
            "ip", "-n", lab.namespaceA, "addr", "add", "2001:db8::7/64", "dev", "va", "nodad",
        ])

        XCTAssertEqual(try manager.removeStale(IPAddress("198.51.100.7")!, from: va), [IPNetwork("198.51.100.7/28")!])
        XCTAssertEqual(try manager.removeStale(IPAddress("2001:db8::7")!, from: va), [IPNetwork("2001:db8::7/64")!])
        XCTAssertEqual(try manager.removeStale(IPAddress("198.51.100.7")!, from: va), [], "nothing left to remove")

        let shown = try shownAddresses()
        XCTAssertFalse(shown.contains("198.51.100.7") || shown.contains("2001:db8::7"), shown)
        XCTAssertTrue(shown.contains("192.0.2.1/24"), "the interface's own address stays")
    }

    func testFailuresCarryLibnlsMessage() throws {
        try NetworkNamespaceLab.run([
            "ip", "-n", lab.namespaceA, "link", "add", "vx", "type", "veth", "peer", "name", "vy",
        ])
        let gone = try lab.inside(lab.namespaceA) { try NetworkInterface(named: "vx") }
        try NetworkNamespaceLab.run(["ip", "-n", lab.namespaceA, "link", "del", "vx"])

        XCTAssertThrowsError(try manager.add(IPNetwork("198.51.100.7/32")!, to: gone)) { error in
            let failure = error as? NetlinkError
            XCTAssertEqual(failure?.operation, "add 198.51.100.7/32 to vx")
            XCTAssertEqual(failure?.message, "No such device")
        }
    }
}
