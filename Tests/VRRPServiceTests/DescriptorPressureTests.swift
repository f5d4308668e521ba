@testable import VRRPService
import XCTest

final class DescriptorPressureTests: XCTestCase {
    func testAboveNinetyFivePercentOfTheLimitIsAProblem() {
        let pressure = DescriptorPressure(limit: 1000, outsideDataPlane: 100)
        XCTAssertNil(pressure.problem(dataPlaneHeld: 850), "950 of 1000 is not above the share")
        XCTAssertEqual(pressure.problem(dataPlaneHeld: 851), "951 of 1000 file descriptors in use")
    }

    func testTheRestOfTheProcessCounts() {
        XCTAssertNil(DescriptorPressure(limit: 1000, outsideDataPlane: 0).problem(dataPlaneHeld: 900))
        XCTAssertNotNil(DescriptorPressure(limit: 1000, outsideDataPlane: 60).problem(dataPlaneHeld: 900))
    }

    func testTheCurrentLimitAddsTheTransientAllowance() throws {
        let pressure = try XCTUnwrap(DescriptorPressure.current(outsideDataPlane: 10))
        XCTAssertEqual(pressure.outsideDataPlane, 10 + DescriptorPressure.transientAllowance)
        XCTAssertGreaterThan(pressure.limit, 0)
    }
}
