import NetTypes
import VRRPCore
@testable import VRRPService
import XCTest

/// The driver's timers under stalls: whatever order due timers come in, a master keeps advertising.
final class InstanceDriverTimerTests: XCTestCase {
    /// A master that falls back to backup keeps its advert and gratuitous-repeat timers pending (the router has no
    /// cancel action). After a stall all three are due in one tick; the master-down timer makes the node master
    /// again and arms fresh ones, which the stale entries must not delete. Dictionary order varies with each
    /// table's seed, so the scenario runs on fresh drivers until both orders have surely come up.
    func testStaleTimersDueInTheSameTickDoNotSilenceTheNewMaster() throws {
        for _ in 0..<32 { try staleTimersAfterAStall() }
    }

    private func staleTimersAfterAStall() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        rig.hear(priority: 200, from: IPAddress("192.168.1.20")!, at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .backup)

        // The VRRP thread stalls for 10 s while the peer goes silent.
        rig.driver.tick(at: ms(14_000))
        XCTAssertEqual(rig.driver.router.state, .master)
        let sentAtTakeover = rig.channel.sent.count
        var now = 14_000
        for _ in 0..<5 {
            now += 1000
            rig.driver.tick(at: ms(now))
        }
        XCTAssertEqual(rig.channel.sent.count, sentAtTakeover + 5, "one advert a second after the takeover")
        XCTAssertNotNil(rig.driver.nextDue)
    }
}
