import ConfigModel
import Foundation
import Glibc
import Logging
import XCTest

@testable import Daemon

/// Binding is a transaction: a configuration that cannot be bound leaves the running sockets open and recorded,
/// and closes every socket it opened.
final class ListenerBindingsTests: XCTestCase {
    private let logger = Logger(label: "test")

    private func config(_ ports: [Int]) throws -> PGFloatConfig {
        let listeners = ports.enumerated().map { index, port in
            "[[listener]]\nname = \"l\(index)\"\nbind = [\"127.0.0.1:\(port)\"]\nservers = [\"db\"]\n"
        }
        let text = "[[server]]\nname = \"db\"\naddress = \"127.0.0.1:1\"\n" + listeners.joined()
        return try ConfigLoader.load(text: text, path: "pgfloat.toml")
    }

    /// A port nobody listens on now, and a socket holding another one.
    private func freePort() throws -> Int {
        let holder = try listeningSocket()
        defer { close(holder.fd) }
        return holder.port
    }

    /// A socket listening on 127.0.0.1 at a port the kernel picks.
    private func listeningSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, status else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }

    private func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    func testAFailedBindClosesWhatItOpenedAndKeepsTheRunningSockets() throws {
        var bindings = ListenerBindings()
        let running = try bindings.bind(config([try freePort()]), logger: logger)
        bindings.commit(running)
        let runningFD = try XCTUnwrap(running.listeners.first?.sockets.first?.fd)
        defer { close(runningFD) }
        let taken = try listeningSocket()
        defer { close(taken.fd) }
        let before = try openDescriptors()
        let runningPort = try XCTUnwrap(running.listeners.first?.config.binds.first?.port)

        // A new listener that binds, then one whose port is taken.
        XCTAssertThrowsError(
            try bindings.bind(config([runningPort, try freePort(), taken.port]), logger: logger)
        ) { error in
            XCTAssertTrue("\(error)".contains("listener.bind"), "\(error)")
        }

        XCTAssertEqual(try openDescriptors(), before, "the new listener's socket was closed")
        XCTAssertTrue(isOpen(runningFD))
        let again = try bindings.bind(config([runningPort]), logger: logger)
        XCTAssertEqual(again.listeners.first?.sockets.map(\.fd), [runningFD], "the running socket is reused")
    }
}
