import Foundation
import Glibc
import XCTest

/// A throwaway PostgreSQL 15 for the `pgsql` probe tests, run as the OS user `postgres` in a folder it owns,
/// listening on 127.0.0.1 only. Needs root (for `runuser`) and Debian's PostgreSQL 15 binaries.
final class TestPostgres {
    static let binaries = "/usr/lib/postgresql/15/bin"
    /// Below the ephemeral range (see LINUX-SWIFT-NOTES), spread by process id so parallel runs do not collide.
    static let basePort = 20000 + Int(getpid() % 5000) * 2

    let folder: String
    let port: Int
    private var running: [String] = []

    /// Skips the calling test unless this machine can run PostgreSQL as `postgres`.
    static func skipUnlessAvailable() throws {
        try XCTSkipUnless(getuid() == 0, "needs root to run PostgreSQL as the postgres user")
        try XCTSkipUnless(
            FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb"), "PostgreSQL 15 is not installed")
        try XCTSkipUnless(getpwnam("postgres") != nil, "no postgres OS user")
    }

    /// Makes and starts a primary with the roles the tests log in as: `checker` (SCRAM, in `pg_monitor` so that it
    /// sees `pg_stat_wal_receiver`) and `md5user` (md5, no extra privilege).
    init() throws {
        folder = NSTemporaryDirectory() + "pgfloat-pgsql-\(getpid())"
        port = Self.basePort
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let owner = getpwnam("postgres")!.pointee
        guard chown(folder, owner.pw_uid, owner.pw_gid) == 0 else { throw Failure("chown \(folder)") }
        try asPostgres("initdb", "-D", "\(folder)/primary", "-U", "postgres", "--auth-local=trust", "--no-sync")
        try append(
            "\(folder)/primary/postgresql.conf",
            """
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(folder)'
            wal_level = replica
            ssl = on
            ssl_cert_file = '\(folder)/server.crt'
            ssl_key_file = '\(folder)/server.key'
            """)
        try write(
            "\(folder)/primary/pg_hba.conf",
            """
            local all all trust
            local replication all trust
            host all md5user 127.0.0.1/32 md5
            host all all 127.0.0.1/32 scram-sha-256
            """)
        try asPostgres(
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=localhost",
            "-keyout", "\(folder)/server.key", "-out", "\(folder)/server.crt")
        try asPostgres("/bin/chmod", "600", "\(folder)/server.key")
        try start("primary", port: port)
        try psql(
            port: port,
            """
            CREATE ROLE checker LOGIN PASSWORD 'scram-secret-1';
            GRANT pg_monitor TO checker;
            SET password_encryption = 'md5';
            CREATE ROLE md5user LOGIN PASSWORD 'md5-secret-1';
            """)
    }

    /// Starts a streaming replica of the primary on `port + 1`.
    func startReplica() throws -> Int {
        try asPostgres(
            "pg_basebackup", "-h", folder, "-p", "\(port)", "-U", "postgres", "-D", "\(folder)/replica", "-R")
        try start("replica", port: port + 1)
        return port + 1
    }

    func promoteReplica() throws {
        try asPostgres("pg_ctl", "-D", "\(folder)/replica", "-w", "promote")
    }

    @discardableResult
    func psql(port: Int, _ sql: String) throws -> String {
        try asPostgres("psql", "-X", "-q", "-A", "-t", "-h", folder, "-p", "\(port)", "-U", "postgres", "-c", sql)
    }

    /// A superuser session holding `lock` in an open transaction, until `release()`: what makes a check's query
    /// wait, as a busy server would.
    final class LockHolder {
        private let process: Process
        private let input: Pipe

        fileprivate init(process: Process, input: Pipe) {
            self.process = process
            self.input = input
        }

        /// Ends the transaction and the session.
        func release() {
            try? input.fileHandleForWriting.write(contentsOf: Data("COMMIT;\n\\q\n".utf8))
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// Starts a session that takes `lock` (a `LOCK TABLE ...` statement) and returns once the lock is held.
    func hold(_ lock: String) throws -> LockHolder {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = [
            "-u", "postgres", "--", "\(Self.binaries)/psql", "-X", "-q", "-A", "-t", "-h", folder, "-p", "\(port)",
            "-U", "postgres",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let holder = LockHolder(process: process, input: input)
        try input.fileHandleForWriting.write(contentsOf: Data("BEGIN;\n\(lock);\nSELECT 'locked';\n".utf8))
        // psql prints the marker only after the lock was granted.
        var seen = ""
        while !seen.contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                holder.release()
                throw Failure("psql ended before taking the lock: \(lock)")
            }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return holder
    }

    func stop() {
        for data in running.reversed() {
            _ = try? asPostgres("pg_ctl", "-D", "\(folder)/\(data)", "-m", "immediate", "stop")
        }
        running = []
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func start(_ data: String, port: Int) throws {
        // Not through Foundation's Process: it learns of a child's exit from a socket the child inherits, and the
        // server that pg_ctl leaves running would hold that socket open forever.
        let command =
            "/usr/sbin/runuser -u postgres -- \(Self.binaries)/pg_ctl -D \(folder)/\(data)"
            + " -l \(folder)/\(data).log -w -o '-p \(port)' start > /dev/null 2>&1"
        guard system(command) == 0 else { throw Failure("pg_ctl start \(data): see \(folder)/\(data).log") }
        running.append(data)
    }

    private func append(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + text + "\n").utf8))
        try handle.close()
    }

    private func write(_ path: String, _ text: String) throws {
        try (text + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    @discardableResult
    private func asPostgres(_ command: String, _ arguments: String...) throws -> String {
        try asPostgres(command, arguments)
    }

    /// Runs a PostgreSQL binary (or an absolute path) as `postgres`; its stdout, or a failure with its stderr.
    private func asPostgres(_ command: String, _ arguments: [String]) throws -> String {
        let executable = command.hasPrefix("/") ? command : "\(Self.binaries)/\(command)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = ["-u", "postgres", "--", executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure("\(command) \(arguments.joined(separator: " ")): \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
