import Glibc
import NetTypes
import XCTest

@testable import VRRPIO

/// The announcer runs on the VRRP thread: a device queue that does not drain must fail an announcement, never block
/// the thread that sends the adverts.
final class GratuitousAnnouncerBackPressureTests: XCTestCase {
    private var lab: NetworkNamespaceLab!

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
        guard NetworkNamespaceLab.executable("tc") != nil else { throw XCTSkip("needs iproute2's tc") }
    }

    override func tearDown() {
        lab?.close()
        lab = nil
    }

    /// A token bucket of 8 kbit/s with a huge queue holds the frames, and their memory stays charged to the packet
    /// socket until the send buffer is full: a blocking socket would wait there for minutes.
    func testAFullSendBufferFailsTheAnnouncementInsteadOfBlocking() throws {
        try NetworkNamespaceLab.run([
            "tc", "-n", lab.namespaceA, "qdisc", "replace", "dev", "va", "root", "tbf", "rate", "8kbit", "burst",
            "1600", "limit", "100000000",
        ])
        let failure = try lab.inside(lab.namespaceA, timeout: 10) { () -> SocketError? in
            let va = try NetworkInterface(named: "va")
            let mac = try XCTUnwrap(try InterfaceFacts().hardwareAddress(of: va))
            let announcer = try GratuitousAnnouncer(interface: va, hardwareAddress: mac)
            for _ in 0..<100_000 {
                do {
                    try announcer.announce(IPAddress("198.51.100.7")!)
                } catch let error as SocketError {
                    return error
                }
            }
            return nil
        }
        XCTAssertEqual(failure?.code, EAGAIN, "\(String(describing: failure))")
    }
}
