import Foundation
import Glibc
import HealthCore

/// Where the daemon keeps the newest primary timeline across restarts (``HealthCore/NewestTimelineRecord`` is
/// its text): a file in systemd's `StateDirectory=` (`$STATE_DIRECTORY`, /var/lib/pgfloat with the shipped unit),
/// which survives restarts and reboots, unlike `RuntimeDirectory=`.
///
/// Writes replace the file atomically (a temporary file beside it, flushed to disk, renamed over it, then the
/// directory flushed), so a crash or a power cut leaves the old or the new value, never half of one. They block
/// on the disk: the health checker runs them on a queue of its own, never on its event loop.
public struct NewestTimelineFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The directory outside systemd, where `pgfloat run` started by hand keeps the file (systemd/pgfloat.tmpfiles
    /// creates it, owned by pgfloat).
    public static let fallbackDirectory = "/var/lib/pgfloat"

    /// `newest-timeline` in `$STATE_DIRECTORY` when systemd set it, else in ``fallbackDirectory``.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        // systemd lists several directories colon-separated when the unit names several; pgfloat's names one.
        let directory = environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        return "\(directory.flatMap { $0.isEmpty ? nil : $0 } ?? fallbackDirectory)/newest-timeline"
    }

    /// What the file holds: nil when there is no file (nothing remembered); throws when it cannot be read or its
    /// text is corrupt (``HealthCore/NewestTimelineRecord/Corrupt``).
    public func load() throws -> Int? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try NewestTimelineRecord.decode(text)
    }

    /// Makes the file hold `timeline`, or removes it for nil; durable when it returns.
    public func write(_ timeline: Int?) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if let timeline {
            let temporary = "\(path).tmp"
            try writeDurably(NewestTimelineRecord.encode(timeline), to: temporary)
            try check(rename(temporary, path), "rename \(temporary)")
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileError("unlink \(path)", errno: errno) }
        }
        try syncDirectory(directory)
    }

    private func writeDurably(_ text: String, to file: String) throws {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError("open \(file)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw FileError("write \(file)", errno: errno) }
            written += count
        }
        try check(fsync(fd), "fsync \(file)")
    }

    /// Flushes the directory entry, so the rename or the removal survives a power cut.
    private func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open \(directory)", errno: errno) }
        defer { close(fd) }
        try check(fsync(fd), "fsync \(directory)")
    }

    private func check(_ result: Int32, _ call: String) throws {
        guard result == 0 else { throw FileError(call, errno: errno) }
    }

    /// A failed call, with its errno's text.
    public struct FileError: Error, CustomStringConvertible {
        public var description: String

        init(_ call: String, errno code: Int32) {
            description = "\(call): \(String(cString: strerror(code)))"
        }
    }
}
