import SystemdNotify
import XCTest

/// The sender against a fake notify socket, as systemd would receive it.
final class SystemdNotifierTests: XCTestCase {
    func testSendsToAPathSocket() throws {
        let fake = try FakeNotifySocket()
        let notifier = try XCTUnwrap(SystemdNotifier(environment: ["NOTIFY_SOCKET": fake.environmentValue]))
        try notifier.send(.ready.adding(.status("serving 1 listener")))
        XCTAssertEqual(fake.receive(), "READY=1\nSTATUS=serving 1 listener\n")
        // The same socket serves later messages.
        try notifier.send(.watchdog)
        XCTAssertEqual(fake.receive(), "WATCHDOG=1\n")
    }

    func testSendsToAnAbstractSocket() throws {
        let fake = try FakeNotifySocket(abstract: true)
        XCTAssertTrue(fake.environmentValue.hasPrefix("@"))
        let notifier = try XCTUnwrap(SystemdNotifier(environment: ["NOTIFY_SOCKET": fake.environmentValue]))
        try notifier.send(.stopping)
        XCTAssertEqual(fake.receive(), "STOPPING=1\n")
    }

    func testNoSocketMeansNoNotifier() {
        XCTAssertNil(SystemdNotifier(environment: [:]))
        XCTAssertNil(SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:99"]))
    }

    func testAMissingSocketIsAnError() {
        let notifier = SystemdNotifier(address: .path("/nonexistent-pgfloat-\(getpid())/notify"))
        XCTAssertThrowsError(try notifier.send(.ready)) { error in
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
    }

    func testConcurrentSendersEachArriveWhole() throws {
        let fake = try FakeNotifySocket()
        let address = try XCTUnwrap(NotifySocketAddress(environmentValue: fake.environmentValue))
        let notifier = SystemdNotifier(address: address)
        // Fewer than the kernel queues for a reader that is not reading yet (net.unix.max_dgram_qlen, 10 by default).
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            try? notifier.send(.status("worker \(index)"))
        }
        var received: Set<String> = []
        for _ in 0..<8 { if let text = fake.receive() { received.insert(text) } }
        XCTAssertEqual(received, Set((0..<8).map { "STATUS=worker \($0)\n" }))
    }

    /// A service manager that stops reading fills its queue; the daemon's send gives up instead of hanging.
    func testAFullQueueTimesOut() throws {
        let fake = try FakeNotifySocket()
        let address = try XCTUnwrap(NotifySocketAddress(environmentValue: fake.environmentValue))
        let notifier = SystemdNotifier(address: address, sendTimeout: .milliseconds(100))
        var failure: Error?
        for _ in 0..<1000 {
            do { try notifier.send(.watchdog) } catch {
                failure = error
                break
            }
        }
        let error = try XCTUnwrap(failure, "1000 datagrams queued without a reader")
        XCTAssertTrue("\(error)".contains("temporarily unavailable"), "\(error)")
        XCTAssertEqual(fake.receive(), "WATCHDOG=1\n")
    }
}
