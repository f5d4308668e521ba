import NetTypes
import XCTest

@testable import VRRPIO

/// The watcher's resynchronisation, fed decoded messages: a dump that fails or comes back interrupted is started
/// over, and the model in use stays the last complete one until a whole dump replaces it.
final class InterfaceModelTests: XCTestCase {
    private let va = WatchedLink(
        index: 2, name: "va", state: LinkState(isUp: true, isRunning: true), hardwareAddress: nil)
    private let vipAddress = InterfaceAddress(
        network: IPNetwork("192.0.2.100/32")!, label: nil, isSecondary: false, isTentative: false,
        isLinkScope: false)
    private let sourceAddress = InterfaceAddress(
        network: IPNetwork("192.0.2.1/24")!, label: nil, isSecondary: false, isTentative: false,
        isLinkScope: false)

    /// A model loaded by one complete resynchronisation: `va` with the source address and the VIP.
    private func loadedModel() -> InterfaceModel {
        var model = InterfaceModel()
        var changes = InterfaceWatcher.Changes()
        let links = model.resynchronise()
        XCTAssertEqual(links.type, RouteMessage.getLink)
        _ = model.apply(.link(va), to: &changes)
        let addresses = model.apply(.dumpDone(sequence: links.sequence), to: &changes)
        XCTAssertEqual(addresses?.type, RouteMessage.getAddress)
        _ = model.apply(.address(index: 2, sourceAddress), to: &changes)
        _ = model.apply(.address(index: 2, vipAddress), to: &changes)
        XCTAssertNil(model.apply(.dumpDone(sequence: addresses?.sequence ?? 0), to: &changes))
        XCTAssertTrue(changes.resynchronised)
        XCTAssertFalse(model.isResynchronising)
        return model
    }

    /// Runs the link dump of a resynchronisation after an overrun (the link only, its addresses not yet dumped)
    /// and returns the address dump's request.
    private func startOverrunResynchronisation(
        _ model: inout InterfaceModel, _ changes: inout InterfaceWatcher.Changes
    ) throws -> InterfaceModel.DumpRequest {
        let links = try XCTUnwrap(model.overrun())
        _ = model.apply(.link(va), to: &changes)
        return try XCTUnwrap(model.apply(.dumpDone(sequence: links.sequence), to: &changes))
    }

    func testAnInterruptedAddressDumpKeepsTheModelAndStartsOver() throws {
        var model = loadedModel()
        var changes = InterfaceWatcher.Changes()
        let addresses = try startOverrunResynchronisation(&model, &changes)
        // The kernel's address table changed during the dump: only the source address came back, flagged.
        _ = model.apply(.dumpInterrupted(sequence: addresses.sequence), to: &changes)
        _ = model.apply(.address(index: 2, sourceAddress), to: &changes)
        _ = model.apply(.dumpInterrupted(sequence: addresses.sequence), to: &changes)
        let again = model.apply(.dumpDone(sequence: addresses.sequence), to: &changes)

        XCTAssertEqual(again?.type, RouteMessage.getLink, "the resynchronisation starts over")
        XCTAssertTrue(changes.resynchronisationRestarted)
        XCTAssertFalse(changes.resynchronised)
        XCTAssertTrue(model.isResynchronising)
        XCTAssertEqual(model.addresses[2], [sourceAddress, vipAddress], "the VIP is not dropped from the model")
    }

    func testAFailedDumpKeepsTheModelAndStartsOver() throws {
        var model = loadedModel()
        var changes = InterfaceWatcher.Changes()
        let addresses = try startOverrunResynchronisation(&model, &changes)
        let again = try XCTUnwrap(model.apply(.failed(sequence: addresses.sequence, code: 16), to: &changes))

        XCTAssertEqual(again.type, RouteMessage.getLink)
        XCTAssertTrue(changes.resynchronisationRestarted)
        XCTAssertEqual(model.addresses[2], [sourceAddress, vipAddress])

        // The next dumps come back whole: their content replaces the model.
        _ = model.apply(.link(va), to: &changes)
        let next = try XCTUnwrap(model.apply(.dumpDone(sequence: again.sequence), to: &changes))
        _ = model.apply(.address(index: 2, sourceAddress), to: &changes)
        XCTAssertNil(model.apply(.dumpDone(sequence: next.sequence), to: &changes))
        XCTAssertTrue(changes.resynchronised)
        XCTAssertEqual(model.addresses[2], [sourceAddress], "the VIP really went")
    }

    func testAnInterruptionOfAnotherDumpIsIgnored() throws {
        var model = loadedModel()
        var changes = InterfaceWatcher.Changes()
        let addresses = try startOverrunResynchronisation(&model, &changes)
        _ = model.apply(.dumpInterrupted(sequence: addresses.sequence &- 1), to: &changes)
        _ = model.apply(.address(index: 2, sourceAddress), to: &changes)
        XCTAssertNil(model.apply(.dumpDone(sequence: addresses.sequence), to: &changes))
        XCTAssertTrue(changes.resynchronised)
    }

    func testAddressesByNameListEveryLink() {
        let model = loadedModel()
        XCTAssertEqual(model.addressesByName, ["va": [sourceAddress.network.address, vipAddress.network.address]])
    }
}
