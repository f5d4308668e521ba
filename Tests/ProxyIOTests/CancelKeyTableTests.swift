import PGWire
@testable import ProxyIO
import XCTest

final class CancelKeyTableTests: XCTestCase {
    private let key = BackendKey(processID: 77, secretKey: [9, 9, 9, 9])
    private func owner(port: Int, slot: Int, generation: UInt32 = 1) throws -> CancelKeyTable.Owner {
        .init(address: try SocketAddress.resolve(host: "127.0.0.1", port: port)[0], slot: slot,
              generation: generation)
    }

    func testAKeyNamesItsSessionUntilItIsRemoved() throws {
        var table = CancelKeyTable()
        let first = try owner(port: 5432, slot: 3)
        table.insert(key, owner: first)
        XCTAssertEqual(table.owners(of: key), [first])
        XCTAssertEqual(table.owners(of: BackendKey(processID: 77, secretKey: [9, 9, 9, 8])), [])
        table.remove(key, slot: 3, generation: 1)
        XCTAssertEqual(table.owners(of: key), [])
        XCTAssertEqual(table.count, 0)
    }

    func testTheSameKeyFromTwoServersKeepsBothOwners() throws {
        var table = CancelKeyTable()
        let first = try owner(port: 5432, slot: 1)
        let second = try owner(port: 5433, slot: 2)
        table.insert(key, owner: first)
        table.insert(key, owner: second)
        XCTAssertEqual(table.owners(of: key), [first, second])
        table.remove(key, slot: 1, generation: 1)
        XCTAssertEqual(table.owners(of: key), [second])
    }

    func testRemovingAnEarlierGenerationOfTheSlotKeepsTheCurrentOwner() throws {
        var table = CancelKeyTable()
        let current = try owner(port: 5432, slot: 4, generation: 9)
        table.insert(key, owner: current)
        table.remove(key, slot: 4, generation: 8)
        XCTAssertEqual(table.owners(of: key), [current])
    }
}
