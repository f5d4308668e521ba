@testable import ProxyIO
import XCTest

/// The kernel relay loads on Linux 6.4 and later only; the version comes from `uname`'s release string.
final class KernelRelayVersionTests: XCTestCase {
    func testReleaseStrings() {
        XCTAssertTrue(KernelRelay.kernelVersion(release: "6.18.44-fc-v1272")! == (6, 18))
        XCTAssertTrue(KernelRelay.kernelVersion(release: "6.1.0-13-amd64")! == (6, 1))
        XCTAssertTrue(KernelRelay.kernelVersion(release: "6.4")! == (6, 4))
        XCTAssertTrue(KernelRelay.kernelVersion(release: "5.15.0-91-generic")! == (5, 15))
        XCTAssertNil(KernelRelay.kernelVersion(release: "unknown"))
        XCTAssertNil(KernelRelay.kernelVersion(release: "6"))
    }

    func testMinimum() {
        XCTAssertTrue((6, 1) < KernelRelay.minimumKernel)
        XCTAssertFalse((6, 4) < KernelRelay.minimumKernel)
        XCTAssertFalse((6, 18) < KernelRelay.minimumKernel)
    }
}
