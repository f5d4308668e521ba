import NetTypes
import XCTest

@testable import VRRPIO

/// Link state, MAC and source addresses read in a namespace of the test's own.
final class InterfaceFactsTests: XCTestCase {
    private var lab: NetworkNamespaceLab!
    private var facts: InterfaceFacts!
    private var va: NetworkInterface!

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
        (facts, va) = try lab.inside(lab.namespaceA) { (try InterfaceFacts(), try NetworkInterface(named: "va")) }
    }

    override func tearDown() {
        facts = nil
        lab?.close()
        lab = nil
    }

    @discardableResult
    private func ip(_ arguments: String...) throws -> String {
        try NetworkNamespaceLab.run(["ip"] + arguments)
    }

    func testInterfaceIsFoundByNameAndByIndex() throws {
        let byIndex = try lab.inside(lab.namespaceA) { [va] in try NetworkInterface(index: va!.index) }
        XCTAssertEqual(byIndex, va)
        XCTAssertThrowsError(try lab.inside(lab.namespaceA) { try NetworkInterface(named: "missing0") }) {
            XCTAssertEqual(($0 as? SocketError)?.code, ENODEV)
        }
    }

    func testLinkStateFollowsAdminStateAndCarrier() throws {
        // Operational state reaches the kernel's flags through linkwatch, asynchronously: poll for it.
        func waitFor(_ expected: LinkState) throws {
            try NetworkNamespaceLab.wait(for: "va to be \(expected)") { try facts.linkState(of: va) == expected }
        }
        try waitFor(LinkState(isUp: true, isRunning: true))
        XCTAssertTrue(try facts.linkState(of: va).isUsable)

        try ip("-n", lab.namespaceA, "link", "set", "va", "down")
        try waitFor(LinkState(isUp: false, isRunning: false))

        try ip("-n", lab.namespaceA, "link", "set", "va", "up")
        try waitFor(LinkState(isUp: true, isRunning: true))

        // A veth loses carrier when its peer goes down: up but not running, as a pulled cable looks.
        try ip("-n", lab.namespaceB, "link", "set", "vb", "down")
        try waitFor(LinkState(isUp: true, isRunning: false))
        XCTAssertFalse(try facts.linkState(of: va).isUsable)
    }

    func testHardwareAddressIsTheLinksEthernetAddress() throws {
        let shown = try ip("-n", lab.namespaceA, "-o", "link", "show", "dev", "va")
        let words = shown.split(separator: " ")
        let ether = words.firstIndex(of: "link/ether").map { String(words[$0 + 1]) }
        XCTAssertEqual(try facts.hardwareAddress(of: va)?.description, ether)

        let loopback = try lab.inside(lab.namespaceA) { try NetworkInterface(named: "lo") }
        XCTAssertNil(try facts.hardwareAddress(of: loopback), "loopback's all-zero address is no address")
    }

    func testPrimaryIPv4AddressSkipsSecondariesAndExcludedVIPs() throws {
        let own = IPAddress(NetworkNamespaceLab.addressA)!
        try ip("-n", lab.namespaceA, "addr", "add", "192.0.2.50/24", "dev", "va")  // a secondary
        try ip("-n", lab.namespaceA, "addr", "add", "198.51.100.7/32", "dev", "va")  // a VIP, itself a primary

        XCTAssertEqual(try facts.primaryIPv4Address(of: va), own)
        XCTAssertEqual(try facts.primaryIPv4Address(of: va, excluding: [own]), IPAddress("198.51.100.7"))
        XCTAssertNil(try facts.primaryIPv4Address(of: va, excluding: [own, IPAddress("198.51.100.7")!]))
    }

    func testLinkLocalIPv6AddressIsTheOneIpShows() throws {
        var address: IPAddress?
        try NetworkNamespaceLab.wait(for: "a link-local address on va") {
            address = try facts.linkLocalIPv6Address(of: va)
            return address != nil
        }
        let shown = try ip("-n", lab.namespaceA, "-6", "-o", "addr", "show", "dev", "va", "scope", "link")
        XCTAssertTrue(shown.contains("inet6 \(address!)/64 scope link"), shown)
    }
}
