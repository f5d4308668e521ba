import Glibc
import XCTest

/// A pipe whose write end a `LogWriter` gets; the test reads the other end only when it wants to.
final class Pipe {
    let readFD: Int32
    let writeFD: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw XCTSkip("pipe: \(errno)") }
        readFD = fds[0]
        writeFD = fds[1]
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
    }

    /// The write end is left open: a started writer thread may still hold it (it lives until the process exits).
    deinit { close(readFD) }

    /// Reads until `done` holds for everything read so far, or `timeout` has passed.
    func read(timeout: Duration = .seconds(10), until done: ([UInt8]) -> Bool) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + timeout
        while !done(received), ContinuousClock.now < deadline {
            var ready = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, $0.count) }
            if count > 0 { received += chunk[..<count] }
        }
        return received
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
