import NetTypes
import VRRPCore
import XCTest

final class VRRPInstanceSettingsTests: XCTestCase {
    func testDefaultsFollowKeepalived() {
        let defaults = VRRPInstanceSettings(
            name: "VI_1", vrid: 51, virtualAddresses: [virtualAddress], primaryAddress: localAddress)
        XCTAssertEqual(defaults.priority, 100)
        XCTAssertEqual(defaults.advertInterval, .seconds(1))
        XCTAssertEqual(defaults.version, .v2)
        XCTAssertTrue(defaults.preempt)
        XCTAssertFalse(defaults.unicastTTLCheck)
        XCTAssertEqual(defaults.problems, [])
    }

    func testTheAdvertCarriesTheVersionsIntervalUnit() {
        XCTAssertEqual(
            settings(version: .v2, interval: .seconds(3), authentication: "pw").advertisement(priority: 90),
            VRRPPacket(
                vrid: 51, priority: 90, addresses: [virtualAddress.address],
                format: .v2(advertIntervalSeconds: 3, authentication: .simpleText([0x70, 0x77, 0, 0, 0, 0, 0, 0]))))
        XCTAssertEqual(
            settings(interval: .milliseconds(150)).advertisement(priority: 0).format,
            .v3(maxAdvertIntervalCentiseconds: 15))
    }

    func testIdentifierAndPriorityZeroAreRejected() {
        var zero = settings()
        zero.vrid = 0
        zero.priority = 0
        XCTAssertEqual(zero.problems, [.vridZero, .priorityZero])
    }

    func testIntervalsMustFitTheVersion() {
        XCTAssertEqual(settings(interval: .milliseconds(100)).problems, [])
        XCTAssertEqual(settings(interval: .milliseconds(40_950)).problems, [])
        for interval: Duration in [.zero, .milliseconds(5), .milliseconds(105), .milliseconds(40_960)] {
            XCTAssertEqual(settings(interval: interval).problems, [.advertIntervalOutOfRange(interval)], "\(interval)")
        }
        XCTAssertEqual(settings(version: .v2, interval: .seconds(255)).problems, [])
        for interval: Duration in [.milliseconds(1500), .seconds(256)] {
            XCTAssertEqual(
                settings(version: .v2, interval: interval).problems, [.advertIntervalOutOfRange(interval)])
        }
    }

    func testAddressesMustExistAndShareTheFamily() {
        var empty = settings()
        empty.virtualAddresses = []
        XCTAssertEqual(empty.problems, [.noVirtualAddresses])
        var mixed = settings()
        mixed.virtualAddresses.append(network("2001:db8::1/64"))
        XCTAssertEqual(mixed.problems, [.virtualAddressFamily(network("2001:db8::1/64"))])
    }

    func testVersion2IsIPv4OnlyAndAuthenticationVersion2Only() {
        var v6 = settings(version: .v2)
        v6.primaryAddress = address("fe80::1")
        v6.virtualAddresses = [network("fe80::100/64")]
        XCTAssertEqual(v6.problems, [.versionTwoNeedsIPv4])
        XCTAssertEqual(settings(authentication: "secret").problems, [.authenticationNeedsVersionTwo])
    }

    func testPasswordsAreOneToEightBytes() {
        XCTAssertEqual(settings(version: .v2, authentication: "12345678").problems, [])
        XCTAssertEqual(settings(version: .v2, authentication: "123456789").problems, [.passwordLength(9)])
        XCTAssertEqual(settings(version: .v2, authentication: "").problems, [.passwordLength(0)])
    }

    func testDelaysCannotBeNegative() {
        XCTAssertEqual(settings(preemptDelay: .seconds(-1)).problems, [.negativeDelay(.seconds(-1))])
    }

    func testProblemsDescribeThemselves() {
        XCTAssertEqual(VRRPSettingsProblem.passwordLength(9).description, "the password is 9 bytes; it must be 1...8")
    }
}
