import NetTypes
import XCTest

final class IPNetworkTests: XCTestCase {
    func testAddressWithPrefixKeepsItsHostBits() throws {
        let network = try XCTUnwrap(IPNetwork("192.168.1.100/24"))
        XCTAssertEqual(network.address, IPAddress("192.168.1.100"))
        XCTAssertEqual(network.prefixLength, 24)
        XCTAssertEqual(network.description, "192.168.1.100/24")
    }

    func testABareAddressIsAHostRoute() {
        XCTAssertEqual(IPNetwork("10.0.0.1")?.prefixLength, 32)
        XCTAssertEqual(IPNetwork("2001:db8::1")?.prefixLength, 128)
        XCTAssertEqual(IPNetwork("2001:db8::1")?.description, "2001:db8::1/128")
        XCTAssertEqual(IPNetwork(host: .v4(1)).description, "0.0.0.1/32")
    }

    func testIPv6PrefixesUseTheCanonicalAddress() {
        XCTAssertEqual(IPNetwork("2001:DB8:0::5/64")?.description, "2001:db8::5/64")
    }

    func testOutOfRangeAndMalformedPrefixesAreRejected() {
        for text in [
            "10.0.0.1/33", "2001:db8::1/129", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/08",
            "10.0.0.1/24/1", "/24", "10.0.0.1/ 24", "10.0.0.1/２４",
        ] {
            XCTAssertNil(IPNetwork(text), text)
        }
        XCTAssertNil(IPNetwork(address: .v4(1), prefixLength: -1))
        XCTAssertNotNil(IPNetwork("0.0.0.0/0"))
        XCTAssertNotNil(IPNetwork("::/0"))
    }

    func testContainsComparesTheLeadingBits() throws {
        let network = try XCTUnwrap(IPNetwork("192.168.1.100/23"))
        XCTAssertTrue(network.contains(try XCTUnwrap(IPAddress("192.168.0.7"))))
        XCTAssertFalse(network.contains(try XCTUnwrap(IPAddress("192.168.2.7"))))
        XCTAssertFalse(network.contains(try XCTUnwrap(IPAddress("::1"))))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("::/0")).contains(try XCTUnwrap(IPAddress("2001:db8::1"))))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("fe80::/10")).contains(try XCTUnwrap(IPAddress("febf::1"))))
        XCTAssertFalse(try XCTUnwrap(IPNetwork("fe80::/10")).contains(try XCTUnwrap(IPAddress("fec0::1"))))
    }
}
