import NetTypes
import XCTest

final class IPAddressTextTests: XCTestCase {
    func testDottedQuadsParseToNetworkOrderValues() {
        XCTAssertEqual(IPAddress("192.168.1.100"), .v4(0xC0A8_0164))
        XCTAssertEqual(IPAddress("0.0.0.0"), .v4(0))
        XCTAssertEqual(IPAddress("255.255.255.255"), .v4(0xFFFF_FFFF))
        XCTAssertEqual(IPAddress("224.0.0.18")?.bytes, [224, 0, 0, 18])
    }

    func testMalformedDottedQuadsAreRejected() {
        for text in [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.", "01.2.3.4", "1.2.3.-4", " 1.2.3.4",
            "1.2.3.4 ", "a.b.c.d", "1.2.3.4/24",
        ] {
            XCTAssertNil(IPAddress(text), text)
        }
    }

    func testIPv6FullCompressedAndEmbeddedFormsParse() {
        let documentation: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        XCTAssertEqual(IPAddress("2001:db8::1")?.bytes, documentation)
        XCTAssertEqual(IPAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")?.bytes, documentation)
        XCTAssertEqual(IPAddress("::")?.bytes, [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(IPAddress("::1")?.bytes, [UInt8](repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddress("fe80::")?.bytes, [0xFE, 0x80] + [UInt8](repeating: 0, count: 14))
        XCTAssertEqual(
            IPAddress("::ffff:192.0.2.33")?.bytes, [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 33])
        XCTAssertEqual(
            IPAddress("1:2:3:4:5:6:1.2.3.4")?.bytes, [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4])
        XCTAssertEqual(IPAddress("ff02::12"), IPAddress("FF02:0:0:0:0:0:0:12"))
    }

    func testMalformedIPv6IsRejected() {
        for text in [
            ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1:", "1::2:", "12345::",
            "g::1", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:8::",
            "fe80::1%eth0", "[::1]",
        ] {
            XCTAssertNil(IPAddress(text), text)
        }
    }

    func testIPv6DescriptionIsRFC5952Canonical() {
        let cases: [(String, String)] = [
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),  // 4.1, 4.2.1
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // 4.2.3: first of equal runs
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // 4.2.2: one zero group stays
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // 4.2.3: the longest run wins
            ("2001:DB8::AbCd", "2001:db8::abcd"),  // 4.3
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("::ffff:c000:0221", "::ffff:192.0.2.33"),  // 5
            ("fe80::200:5eff:fe00:101", "fe80::200:5eff:fe00:101"),
        ]
        for (text, canonical) in cases {
            XCTAssertEqual(IPAddress(text)?.description, canonical, text)
        }
    }

    func testIPv4DescriptionIsADottedQuad() {
        XCTAssertEqual(IPAddress.v4(0xC0A8_0164).description, "192.168.1.100")
        XCTAssertEqual(IPAddress.v4(0).description, "0.0.0.0")
    }

    func testMulticastGroupsAreRecognised() {
        XCTAssertTrue(IPAddress("224.0.0.18")!.isMulticast)
        XCTAssertTrue(IPAddress("ff02::12")!.isMulticast)
        XCTAssertFalse(IPAddress("10.0.0.1")!.isMulticast)
        XCTAssertFalse(IPAddress("240.0.0.1")!.isMulticast)
        XCTAssertFalse(IPAddress("fe80::1")!.isMulticast)
    }
}
