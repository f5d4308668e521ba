import BalanceCore
import ConfigModel
import XCTest

final class BalancePickerTests: XCTestCase {
    private func picks(_ picker: inout BalancePicker, _ pool: [ServerLoad], count: Int, hash: UInt32 = 0) -> [Int] {
        (0..<count).map { _ in
            guard case .server(let position) = picker.pick(from: pool, clientHash: hash) else { return -1 }
            return position
        }
    }

    func testFirstTakesTheFirstServerWithAFreeSlot() {
        var picker = BalancePicker(algorithm: .first, poolSize: 3)
        let pool = [
            ServerLoad(weight: 100, maxconn: 2, sessions: 2), ServerLoad(weight: 100, maxconn: 2, sessions: 1),
            ServerLoad(weight: 100),
        ]
        XCTAssertEqual(picker.pick(from: pool), .server(1))
    }

    func testRoundRobinAlternatesEqualWeights() {
        var picker = BalancePicker(algorithm: .roundrobin, poolSize: 2)
        let pool = [ServerLoad(weight: 100), ServerLoad(weight: 100)]
        XCTAssertEqual(picks(&picker, pool, count: 6), [0, 1, 0, 1, 0, 1])
    }

    func testRoundRobinFollowsWeightsSmoothly() {
        var picker = BalancePicker(algorithm: .roundrobin, poolSize: 3)
        let pool = [ServerLoad(weight: 5), ServerLoad(weight: 1), ServerLoad(weight: 1)]
        let chosen = picks(&picker, pool, count: 7)
        XCTAssertEqual(chosen.filter { $0 == 0 }.count, 5)
        XCTAssertEqual(chosen.filter { $0 == 1 }.count, 1)
        XCTAssertEqual(chosen.filter { $0 == 2 }.count, 1)
        // Smooth: the heavy server never takes more than 3 picks in a row for 5:1:1.
        XCTAssertEqual(chosen, [0, 0, 1, 0, 2, 0, 0])
    }

    func testLeastConnComparesSessionsPerWeight() {
        var picker = BalancePicker(algorithm: .leastconn, poolSize: 3)
        let pool = [
            ServerLoad(weight: 100, sessions: 4), ServerLoad(weight: 200, sessions: 6),
            ServerLoad(weight: 100, sessions: 5),
        ]
        XCTAssertEqual(picker.pick(from: pool), .server(1))
    }

    func testSourceHashIsStickyPerClient() {
        var picker = BalancePicker(algorithm: .source, poolSize: 3)
        let pool = [ServerLoad(weight: 100), ServerLoad(weight: 100), ServerLoad(weight: 100)]
        let first = picks(&picker, pool, count: 5, hash: 123_456_789)
        XCTAssertEqual(Set(first).count, 1)
        let spread = Set((0..<64).map { hash -> Int in
            guard case .server(let position) = picker.pick(from: pool, clientHash: UInt32(hash) &* 2_654_435_761)
            else { return -1 }
            return position
        })
        XCTAssertEqual(spread, [0, 1, 2])
    }

    func testUnavailableAndZeroWeightServersAreSkipped() {
        var picker = BalancePicker(algorithm: .roundrobin, poolSize: 3)
        let pool = [ServerLoad(weight: 100, available: false), ServerLoad(weight: 0), ServerLoad(weight: 10)]
        XCTAssertEqual(picks(&picker, pool, count: 3), [2, 2, 2])
    }

    func testBackupsServeOnlyWhenNoPrimaryTierServerIsEligible() {
        var picker = BalancePicker(algorithm: .roundrobin, poolSize: 2)
        var pool = [ServerLoad(weight: 100), ServerLoad(weight: 100, backup: true)]
        XCTAssertEqual(picks(&picker, pool, count: 3), [0, 0, 0])
        pool[0].available = false
        XCTAssertEqual(picker.pick(from: pool), .server(1))
    }

    func testFullEligibleServersQueueInsteadOfFallingBackToBackups() {
        var picker = BalancePicker(algorithm: .first, poolSize: 2)
        let pool = [ServerLoad(weight: 100, maxconn: 1, sessions: 1), ServerLoad(weight: 100, backup: true)]
        XCTAssertEqual(picker.pick(from: pool), .full)
    }

    func testNoEligibleServer() {
        var picker = BalancePicker(algorithm: .leastconn, poolSize: 1)
        XCTAssertEqual(picker.pick(from: [ServerLoad(weight: 100, available: false)]), .noneEligible)
        XCTAssertEqual(picker.pick(from: []), .noneEligible)
    }

    func testExcludedServersAreSkipped() {
        var picker = BalancePicker(algorithm: .first, poolSize: 2)
        let pool = [ServerLoad(weight: 100), ServerLoad(weight: 100)]
        XCTAssertEqual(picker.pick(from: pool, excluded: { $0 == 0 }), .server(1))
        XCTAssertEqual(picker.pick(from: pool, excluded: { _ in true }), .noneEligible)
    }
}
