import NetTypes
import XCTest

@testable import VRRPIO

/// rtnetlink messages decoded from bytes as the kernel lays them out (little-endian hosts).
final class RouteMessageTests: XCTestCase {
    private func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    private func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16(value >> 16 & 0xFFFF) }

    private func attribute(_ type: Int, _ data: [UInt8]) -> [UInt8] {
        let bytes = le16(4 + data.count) + le16(type) + data
        return bytes + [UInt8](repeating: 0, count: RouteMessage.align(bytes.count) - bytes.count)
    }

    private func message(_ type: Int, sequence: Int = 0, flags: Int = 0, _ body: [UInt8]) -> [UInt8] {
        le32(16 + body.count) + le16(type) + le16(flags) + le32(sequence) + le32(0) + body
    }

    /// NLM_F_DUMP_INTR (0x10) on a dump's reply: the watcher must not trust that dump.
    func testAnInterruptedDumpIsReportedBeforeTheMessageThatSaysSo() {
        let removed = [0, 0] + le16(0) + le32(3) + le32(0) + le32(0)
        let done = message(3, sequence: 9, flags: 0x12, le32(0))
        XCTAssertEqual(RouteMessage.decode((message(17, sequence: 9, flags: 0x12, removed) + done)[...]), [
            .dumpInterrupted(sequence: 9), .linkRemoved(index: 3), .dumpInterrupted(sequence: 9),
            .dumpDone(sequence: 9),
        ])
    }

    func testANewAddressWithItsFlags() {
        // ifaddrmsg: AF_INET, /32, flags 0, scope universe, index 7; IFA_LOCAL; IFA_FLAGS with IFA_F_SECONDARY.
        let body = [2, 32, 0, 0] + le32(7) + attribute(2, [192, 0, 2, 100]) + attribute(8, le32(0x01))
        XCTAssertEqual(RouteMessage.decode(message(20, body)[...]), [
            .address(index: 7, InterfaceAddress(
                network: IPNetwork("192.0.2.100/32")!, label: nil, isSecondary: true, isTentative: false,
                isLinkScope: false)),
        ])
    }

    func testALinkWithoutAHardwareAddressAndARemovedOne() {
        // ifinfomsg: index 3, IFF_UP | IFF_RUNNING; IFLA_IFNAME "tun0", no IFLA_ADDRESS.
        let link = [0, 0] + le16(0) + le32(3) + le32(0x41) + le32(0) + attribute(3, Array("tun0\0".utf8))
        let removed = [0, 0] + le16(0) + le32(3) + le32(0) + le32(0)
        XCTAssertEqual(RouteMessage.decode((message(16, link) + message(17, removed))[...]), [
            .link(WatchedLink(index: 3, name: "tun0", state: LinkState(isUp: true, isRunning: true),
                              hardwareAddress: nil)),
            .linkRemoved(index: 3),
        ])
    }

    func testTruncatedAndMalformedInputIsDroppedNotTrapped() {
        let done = message(3, sequence: 9, le32(0))
        XCTAssertEqual(RouteMessage.decode(done[...]), [.dumpDone(sequence: 9)])
        for cut in 0..<done.count { _ = RouteMessage.decode(done[..<cut]) }
        // A header claiming more than was read, and an attribute claiming more than its message.
        XCTAssertEqual(RouteMessage.decode((le32(4096) + [UInt8](repeating: 0, count: 12))[...]), [])
        let body = [2, 32, 0, 0] + le32(7) + le16(200) + le16(2) + [192, 0, 2, 1]
        XCTAssertEqual(RouteMessage.decode(message(20, body)[...]), [])
    }
}
