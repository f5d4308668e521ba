import NetTypes
import XCTest

final class MACAddressTests: XCTestCase {
    func testParsesColonAndDashFormsInEitherCase() {
        let expected: [UInt8] = [0x00, 0x00, 0x5E, 0x00, 0x01, 0x33]
        XCTAssertEqual(MACAddress("00:00:5e:00:01:33")?.bytes, expected)
        XCTAssertEqual(MACAddress("00-00-5E-00-01-33")?.bytes, expected)
    }

    func testDescriptionIsLowercaseWithTwoDigitsPerByte() {
        XCTAssertEqual(MACAddress(bytes: [0x0A, 0xBC, 0, 1, 0xFF, 0x5E])?.description, "0a:bc:00:01:ff:5e")
        XCTAssertEqual(MACAddress.broadcast.description, "ff:ff:ff:ff:ff:ff")
    }

    func testMalformedTextAndWrongByteCountsAreRejected() {
        for text in [
            "", "00:00:5e:00:01", "00:00:5e:00:01:33:44", "0:00:5e:00:01:33", "00:00:5e:00:01:3g",
            "00:00-5e:00:01:33", "000:0:5e:00:01:33", "+0:00:5e:00:01:33",
        ] {
            XCTAssertNil(MACAddress(text), text)
        }
        XCTAssertNil(MACAddress(bytes: [1, 2, 3, 4, 5]))
    }
}
