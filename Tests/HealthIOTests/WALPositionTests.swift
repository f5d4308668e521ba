import XCTest

@testable import HealthIO

final class WALPositionTests: XCTestCase {
    func testParsesHighAndLowHalves() {
        XCTAssertEqual(WALPosition.parse("16/B374D848"), 0x16_B374_D848)
        XCTAssertEqual(WALPosition.parse("0/0"), 0)
        XCTAssertEqual(WALPosition.parse("0/3000148"), 0x300_0148)
        XCTAssertEqual(WALPosition.parse("FFFFFFFF/FFFFFFFF"), UInt64.max)
    }

    func testAcceptsLowerCaseDigits() {
        XCTAssertEqual(WALPosition.parse("a/b"), 0xA_0000_000B)
    }

    func testRejectsMalformedText() {
        for text in ["", "/", "16", "16/", "/B374D848", "16/B374D848/0", "+1/0", "1/-0", "G/0", "123456789/0", " 1/0"]
        {
            XCTAssertNil(WALPosition.parse(text), text)
        }
    }
}
