import Foundation
import Glibc
@testable import VRRPService
import XCTest

final class RealtimeSchedulingTests: XCTestCase {
    /// The thread that asks is the one that changes; the others (here the test's) stay where they were.
    func testOnlyTheCallingThreadEntersRoundRobin() throws {
        var ownPolicy: Int32 = -1
        var ownParameters = sched_param()
        pthread_getschedparam(pthread_self(), &ownPolicy, &ownParameters)
        let result = ThreadResult()
        let thread = Thread {
            let refused = RealtimeScheduling.enter(priority: 5)
            var policy: Int32 = -1
            var parameters = sched_param()
            pthread_getschedparam(pthread_self(), &policy, &parameters)
            result.set(refused: refused, policy: policy, priority: parameters.sched_priority)
        }
        thread.start()
        let (refused, policy, priority) = try result.wait()
        if let refused {
            // Without CAP_SYS_NICE and RLIMIT_RTPRIO: the refusal the daemon logs.
            XCTAssertEqual(refused, EPERM)
            throw XCTSkip("SCHED_RR refused here (\(refused)); the refusal path is what the daemon logs")
        }
        XCTAssertEqual(policy & ~RealtimeScheduling.resetOnFork, SCHED_RR)
        XCTAssertEqual(priority, 5)
        var after: Int32 = -1
        var afterParameters = sched_param()
        pthread_getschedparam(pthread_self(), &after, &afterParameters)
        XCTAssertEqual(after, ownPolicy, "the test's own thread keeps its policy")
    }

    func testTheRefusalSaysWhatToChange() {
        let message = RealtimeScheduling.refusal(priority: 10, errno: EPERM)
        XCTAssertTrue(message.contains("Operation not permitted"), message)
        XCTAssertTrue(message.contains("LimitRTPRIO=10"), message)
    }
}

/// What the thread saw, handed to the test's thread.
private final class ThreadResult: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: (Int32?, Int32, Int32)?

    func set(refused: Int32?, policy: Int32, priority: Int32) {
        value = (refused, policy, priority)
        done.signal()
    }

    func wait() throws -> (Int32?, Int32, Int32) {
        guard done.wait(timeout: .now() + 5) == .success, let value else { throw CancellationError() }
        return value
    }
}
