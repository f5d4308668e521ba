import CNetShim
import Foundation
import XCTest

// Contract: a lab is two network namespaces, "<stem>a" and "<stem>b", joined by a veth pair (va in a, vb in b)
// with 192.0.2.1/24 and 192.0.2.2/24 and no IPv6 duplicate address detection. Nothing is ever created in the
// root namespace: the veth pair is made from inside a (`ip -n`), its peer placed straight into b. Code runs in a
// namespace on a fresh thread that calls setns first; sockets keep the namespace they were opened in, so objects
// made there can be used from the test's thread afterwards. Every wait is bounded; `close()` deletes both
// namespaces and is safe to call twice.

/// Two network namespaces joined by a veth pair, for the tests that need root.
final class NetworkNamespaceLab {
    static let prefix = "vio"
    static let addressA = "192.0.2.1"
    static let addressB = "192.0.2.2"

    let namespaceA: String
    let namespaceB: String
    private var isClosed = false

    /// Builds the lab, or skips the test when not root or when iproute2 is missing.
    init() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to create network namespaces") }
        guard Self.executable("ip") != nil else { throw XCTSkip("needs iproute2's ip") }
        Self.removeLeftovers()
        let stem = "\(Self.prefix)\(getpid())x\(UInt16.random(in: 0...UInt16.max))"
        namespaceA = stem + "a"
        namespaceB = stem + "b"
        do {
            try build()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    private func build() throws {
        for namespace in [namespaceA, namespaceB] {
            try Self.run(["ip", "netns", "add", namespace])
            // A new interface copies "default": without DAD its link-local address is usable at once.
            try Self.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"])
            try Self.run(["ip", "-n", namespace, "link", "set", "lo", "up"])
        }
        try Self.run([
            "ip", "-n", namespaceA, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns",
            namespaceB,
        ])
        for (namespace, interface, address) in [(namespaceA, "va", Self.addressA), (namespaceB, "vb", Self.addressB)] {
            try Self.run(["ip", "-n", namespace, "addr", "add", "\(address)/24", "dev", interface])
            try Self.run(["ip", "-n", namespace, "link", "set", interface, "up"])
        }
    }

    /// Deletes both namespaces, which takes the veth pair with them.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        for namespace in [namespaceA, namespaceB] {
            _ = try? Self.run(["ip", "netns", "del", namespace])
        }
    }

    /// Runs `body` on a new thread that first enters `namespace`, and waits for it at most `timeout` seconds.
    func inside<T>(_ namespace: String, timeout: TimeInterval = 20, _ body: @escaping () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let thread = Thread {
            let entered = cnet_enter_network_namespace("/run/netns/\(namespace)")
            outcome.result =
                entered == 0
                ? Result(catching: body)
                : .failure(LabError("setns into \(namespace): errno \(-entered)"))
            outcome.done.signal()
        }
        thread.start()
        guard outcome.done.wait(timeout: .now() + timeout) == .success, let result = outcome.result else {
            throw LabError("code in \(namespace) did not finish within \(timeout) s")
        }
        return try result.get()
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
    static func wait(timeout: TimeInterval = 10, for what: String, until condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw LabError("timed out waiting for \(what)") }
            usleep(50_000)
        }
    }

    /// Runs a command to completion (at most `timeout` seconds) and returns its standard output.
    @discardableResult
    static func run(_ arguments: [String], timeout: TimeInterval = 20) throws -> String {
        let process = try BackgroundProcess(arguments)
        defer { process.stop() }
        try wait(timeout: timeout, for: arguments.joined(separator: " ")) { !process.isRunning }
        guard process.status == 0 else {
            throw LabError("\(arguments.joined(separator: " ")) exited \(process.status): \(process.errorOutput)")
        }
        return process.output
    }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Deletes namespaces an earlier, killed test run left: ours are "vio<pid>x…", and a dead pid means the
    /// run that made them is gone. Namespaces of a run still alive (a parallel one) are left alone.
    private static func removeLeftovers() {
        guard let list = try? run(["ip", "netns", "list"]) else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                let pid = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x]),
                kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? run(["ip", "netns", "del", name])
        }
    }
}

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The result of work handed to another thread, written once before `done` is signalled.
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, Error>?
    let done = DispatchSemaphore(value: 0)
}

/// A child process with its output in temporary files (a pipe could fill and stall it). `stop()` ends it by its
/// own pid if it still runs.
final class BackgroundProcess {
    private let process = Process()
    private let outputURL: URL
    private let errorURL: URL

    init(_ arguments: [String]) throws {
        let directory = FileManager.default.temporaryDirectory
        let stem = "vrrpio-\(getpid())-\(UUID().uuidString)"
        outputURL = directory.appendingPathComponent(stem + ".out")
        errorURL = directory.appendingPathComponent(stem + ".err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: outputURL)
        try? FileManager.default.removeItem(at: errorURL)
    }

    var isRunning: Bool { process.isRunning }
    var status: Int32 { process.terminationStatus }
    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
