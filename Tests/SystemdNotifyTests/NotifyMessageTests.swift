import SystemdNotify
import XCTest

final class NotifyMessageTests: XCTestCase {
    func testReadyWithStatusIsOneDatagram() {
        XCTAssertEqual(
            NotifyMessage.ready.adding(.status("serving 2 listeners")).text, "READY=1\nSTATUS=serving 2 listeners\n")
    }

    func testProtocolWords() {
        XCTAssertEqual(NotifyMessage.stopping.text, "STOPPING=1\n")
        XCTAssertEqual(NotifyMessage.watchdog.text, "WATCHDOG=1\n")
        XCTAssertEqual(
            NotifyMessage.reloading(monotonicMicroseconds: 123_456_789).text,
            "RELOADING=1\nMONOTONIC_USEC=123456789\n")
    }

    func testAStatusIsOneLine() {
        XCTAssertEqual(NotifyMessage.status("a\nb\r\nc").text, "STATUS=a b c\n")
    }
}

final class NotifySocketAddressTests: XCTestCase {
    func testPathsAndAbstractNames() {
        XCTAssertEqual(NotifySocketAddress(environmentValue: "/run/systemd/notify"), .path("/run/systemd/notify"))
        XCTAssertEqual(NotifySocketAddress(environmentValue: "@/org/freedesktop/x"), .abstract("/org/freedesktop/x"))
    }

    func testWhatItCannotUse() {
        for value in ["", "@", "notify", "vsock:2:1234", "/" + String(repeating: "x", count: 107)] {
            XCTAssertNil(NotifySocketAddress(environmentValue: value), value)
        }
        XCTAssertNotNil(NotifySocketAddress(environmentValue: "/" + String(repeating: "x", count: 106)))
    }
}
