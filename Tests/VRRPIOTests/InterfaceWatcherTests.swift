import Glibc
import NetTypes
import XCTest

@testable import VRRPIO

/// The watcher's model follows the kernel through notifications only, in a namespace of the test's own.
final class InterfaceWatcherTests: XCTestCase {
    private var lab: NetworkNamespaceLab!
    private var watcher: InterfaceWatcher!

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
        watcher = try lab.inside(lab.namespaceA) { try InterfaceWatcher() }
    }

    override func tearDown() {
        watcher = nil
        lab?.close()
        lab = nil
    }

    private func ip(_ arguments: String...) throws {
        try NetworkNamespaceLab.run(["ip", "-n", lab.namespaceA] + arguments)
    }

    /// Reads notifications until `condition` holds; what was read along the way is returned.
    private func read(until what: String, _ condition: () -> Bool) throws -> [InterfaceWatcher.Changes] {
        var seen: [InterfaceWatcher.Changes] = []
        try NetworkNamespaceLab.wait(for: what) {
            var descriptor = pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0 { seen.append(watcher.readable()) }
            return condition()
        }
        return seen
    }

    func testTheInitialDumpHoldsLinksAndAddresses() throws {
        let va = try XCTUnwrap(watcher.link(named: "va"))
        XCTAssertNotNil(va.hardwareAddress)
        XCTAssertNil(watcher.link(named: "lo")?.hardwareAddress, "loopback's all-zero address is no address")
        XCTAssertTrue(watcher.addresses[va.index, default: []].contains {
            $0.network.address == IPAddress(NetworkNamespaceLab.addressA)
        })
    }

    /// The VRRP thread checks `unicast_source` against this model instead of a getifaddrs dump: it must name
    /// the same addresses per interface as the dump does.
    func testAddressesByNameMatchTheHostsAddresses() throws {
        let index = try XCTUnwrap(watcher.link(named: "va")).index
        let added = IPNetwork("192.0.2.101/32")!
        try ip("addr", "add", "\(added)", "dev", "va")
        _ = try read(until: "the address to appear") {
            watcher.addresses[index, default: []].contains { $0.network == added }
        }
        let dumped = try lab.inside(lab.namespaceA) { try HostAddresses.byInterface() }
        XCTAssertEqual(
            watcher.addressesByName.mapValues(Set.init), dumped.mapValues(Set.init))
        XCTAssertTrue(watcher.addressesByName["va", default: []].contains(added.address))
    }

    func testAnAddressRemovedIsReported() throws {
        let index = try XCTUnwrap(watcher.link(named: "va")).index
        let vip = IPNetwork("192.0.2.100/32")!
        try ip("addr", "add", "\(vip)", "dev", "va")
        _ = try read(until: "the VIP to appear") {
            watcher.addresses[index, default: []].contains { $0.network == vip }
        }
        try ip("addr", "del", "\(vip)", "dev", "va")
        let seen = try read(until: "the VIP to go") {
            !watcher.addresses[index, default: []].contains { $0.network == vip }
        }
        XCTAssertTrue(seen.flatMap(\.removedAddresses).contains { $0.index == index && $0.network == vip })
    }

    func testLinkStateAndARecreatedInterfaceFollowNotifications() throws {
        let old = try XCTUnwrap(watcher.link(named: "va")).index
        try ip("link", "set", "va", "down")
        _ = try read(until: "va down") { watcher.link(named: "va")?.state.isUp == false }
        try ip("link", "del", "va")
        _ = try read(until: "va gone") { watcher.link(named: "va") == nil }
        try ip("link", "add", "va", "type", "veth", "peer", "name", "vx")
        _ = try read(until: "va back") { watcher.link(named: "va") != nil }
        XCTAssertNotEqual(watcher.link(named: "va")?.index, old)
        XCTAssertNil(watcher.links[old])
    }

    /// Notifications lost to a full buffer (ENOBUFS): one dump puts the model right.
    func testAnOverrunIsRepairedByADump() throws {
        let small = try lab.inside(lab.namespaceA) { try InterfaceWatcher(receiveBuffer: 1024) }
        let index = try XCTUnwrap(small.link(named: "va")).index
        let batch = (1...200).map { "addr add 198.51.100.\($0)/32 dev va" }.joined(separator: "\n") + "\n"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-\(getpid()).batch")
        try batch.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try ip("-batch", file.path)
        var resynchronised = false
        try NetworkNamespaceLab.wait(for: "the model to hold all 200 addresses") {
            var descriptor = pollfd(fd: small.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0, small.readable().resynchronised { resynchronised = true }
            return small.addresses[index, default: []].filter { $0.network.prefixLength == 32 }.count == 200
        }
        XCTAssertTrue(resynchronised, "the buffer overran and a dump repaired it")
    }
}
