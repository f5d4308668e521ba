import DCSCore
import XCTest

final class EndpointRotationTests: XCTestCase {
    func testFailuresWalkTheEndpointsInOrderWithADoublingPause() {
        var rotation = EndpointRotation(endpointCount: 3)
        XCTAssertEqual(rotation.index, 0)
        var steps: [(Int, Duration)] = []
        for _ in 0..<6 {
            let delay = rotation.failed()
            steps.append((rotation.index, delay))
        }
        XCTAssertEqual(steps.map(\.0), [1, 2, 0, 1, 2, 0])
        XCTAssertEqual(
            steps.map(\.1),
            [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }

    func testAWorkingWatchResetsThePauseButStaysOnItsEndpoint() {
        var rotation = EndpointRotation(endpointCount: 2)
        _ = rotation.failed()
        _ = rotation.failed()
        _ = rotation.failed()
        rotation.connected()
        XCTAssertEqual(rotation.index, 1)
        XCTAssertEqual(rotation.failed(), .milliseconds(100))
        XCTAssertEqual(rotation.index, 0)
    }

    func testOneEndpointIsRetriedAfterThePause() {
        var rotation = EndpointRotation(endpointCount: 1)
        XCTAssertEqual(rotation.failed(), .milliseconds(100))
        XCTAssertEqual(rotation.index, 0)
    }

    func testAVeryLongOutageDoesNotOverflowThePause() {
        var rotation = EndpointRotation(endpointCount: 2)
        for _ in 0..<10_000 { _ = rotation.failed() }
        XCTAssertEqual(rotation.failed(), .seconds(1))
    }
}
