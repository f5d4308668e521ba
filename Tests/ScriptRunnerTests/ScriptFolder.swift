import Foundation
import ScriptRunner
import XCTest

/// A private folder of test scripts under /tmp, mode 0755 and owned by the test's user, removed afterwards.
final class ScriptFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pgfloat-scripts-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        // Explicit, so the security check does not depend on the umask the tests run under.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes an `sh` script with `mode` and returns its path.
    @discardableResult
    func script(_ name: String, _ body: String, mode: Int = 0o755) throws -> String {
        let path = path(name)
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// A file's lines, or none if it does not exist.
    func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOfFile: path(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }
}

/// Values collected from callbacks on other threads.
final class Collected<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []

    func append(_ value: Value) {
        lock.lock()
        storage.append(value)
        lock.unlock()
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; every wait in these tests is bounded.
func waitUntil(
    timeout: Duration, file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool
) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    if condition() { return true }
    XCTFail("condition not met within \(timeout)", file: file, line: line)
    return false
}

/// A test case with a fresh script folder per test and a launcher running as the test's user.
class ScriptFolderTestCase: XCTestCase {
    var folder: ScriptFolder!
    let launcher = ScriptLauncher()

    override func setUpWithError() throws {
        folder = try ScriptFolder()
    }

    override func tearDown() {
        folder = nil
    }
}
