import Glibc
import NetTypes
import VRRPCore
import VRRPIO
@testable import VRRPService
import XCTest

final class InstanceDriverAnnouncementTests: XCTestCase {
    /// The non-blocking packet socket says EAGAIN when the device queue is full: the burst is given up and the
    /// master keeps its VIP and its advert rhythm.
    func testAFullPacketSocketFailsTheBurstButNotTheMaster() throws {
        let rig = try DriverRig()
        rig.announcer.announceError = SocketError(operation: "announce", code: EAGAIN)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.announcer.failures, 1, "the rest of the burst is not tried")
        XCTAssertEqual(rig.driver.stats(at: ms(3700)).gratuitousFramesDropped, 1, "counted, for show vrrp")
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
        let sent = rig.channel.sent.count
        rig.driver.tick(at: ms(4700))
        XCTAssertEqual(rig.channel.sent.count, sent + 1)
    }

    /// Every frame of a burst given up on EAGAIN counts, not only the one that failed; other errors are no drop.
    func testTheFramesABurstGaveUpAreCounted() throws {
        let rig = try DriverRig(garpMasterRepeat: 3)
        rig.announcer.announceError = SocketError(operation: "announce", code: EAGAIN)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.stats(at: ms(3700)).gratuitousFramesDropped, 3)
        rig.announcer.announceError = SocketError(operation: "announce", code: ENETDOWN)
        rig.driver.tick(at: ms(8700))
        XCTAssertGreaterThan(rig.announcer.failures, 1, "the garp_master_delay burst was tried")
        XCTAssertEqual(rig.driver.stats(at: ms(8700)).gratuitousFramesDropped, 3)
    }
}
