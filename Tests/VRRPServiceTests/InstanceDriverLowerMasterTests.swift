import NetTypes
import VRRPCore
@testable import VRRPService
import XCTest

/// After two masters at once, the winner re-announces the VIPs so that clients leave the loser's MAC
/// (keepalived's `garp_lower_prio_repeat` and `garp_lower_prio_delay`, 5 frames and 5 s by default).
final class InstanceDriverLowerMasterTests: XCTestCase {
    private let lowerPeer = IPAddress("192.168.1.5")!
    private let higherPeer = IPAddress("192.168.1.20")!

    /// A master at 3.7 s with the rig's one frame per takeover burst, and nothing announced since.
    private func masterRig() throws -> (rig: DriverRig, announcedAtTakeover: Int) {
        let rig = try DriverRig(garpMasterDelay: .zero)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        return (rig, rig.announcer.announced.count)
    }

    func testALowerPriorityMasterIsAnsweredWithABurstAndAnotherAfterTheDelay() throws {
        let (rig, before) = try masterRig()
        let advertsBefore = rig.channel.sent.count
        rig.hear(priority: 50, from: lowerPeer, at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.channel.sent.count, advertsBefore + 1, "the losing advert is answered (RFC 9568 6.4.3)")
        XCTAssertEqual(
            Array(rig.announcer.announced[before...]), Array(repeating: DriverRig.vip.address, count: 5),
            "garp_lower_prio_repeat frames at once, not garp_master_repeat")

        rig.driver.tick(at: ms(8999))
        XCTAssertEqual(rig.announcer.announced.count, before + 5 + 1, "only the takeover follow-up before 5 s")
        rig.driver.tick(at: ms(9000))
        XCTAssertEqual(rig.announcer.announced.count, before + 5 + 1 + 5, "again garp_lower_prio_delay later")
    }

    func testTheSecondBurstFollowsTheLastLowerPriorityAdvert() throws {
        let (rig, before) = try masterRig()
        rig.hear(priority: 50, from: lowerPeer, at: ms(4000))
        rig.hear(priority: 50, from: lowerPeer, at: ms(5000))
        XCTAssertEqual(rig.announcer.announced.count, before + 10, "a burst for each losing advert")
        rig.driver.tick(at: ms(9500))
        XCTAssertEqual(rig.announcer.announced.count, before + 10 + 1, "the follow-up only; not yet 5 s after 5.0 s")
        rig.driver.tick(at: ms(10_000))
        XCTAssertEqual(rig.announcer.announced.count, before + 10 + 1 + 5)
    }

    func testAMasterThatStepsDownSendsNoSecondBurst() throws {
        let (rig, before) = try masterRig()
        rig.hear(priority: 50, from: lowerPeer, at: ms(4000))
        for now in stride(from: 4500, through: 8500, by: 1000) {
            rig.hear(priority: 200, from: higherPeer, at: ms(now))
            rig.driver.tick(at: ms(now))
        }
        XCTAssertEqual(rig.driver.router.state, .backup)
        rig.driver.tick(at: ms(9000))
        XCTAssertEqual(rig.driver.router.state, .backup)
        XCTAssertEqual(rig.announcer.announced.count, before + 5, "a backup announces nothing")
    }
}
