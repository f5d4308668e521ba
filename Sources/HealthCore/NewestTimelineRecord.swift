/// The text of the state file that keeps the newest primary timeline across restarts of the daemon.
///
/// A restarted pgfloat that had forgotten it would let an old primary, the only one left answering, take writes
/// again after the newer primary died (a later `pg_rewind` throws them away). Two comment lines say what the file
/// is, then one line `newest_primary_timeline = N`. No file means nothing remembered (`clear timeline` removes it).
public enum NewestTimelineRecord {
    /// Why a file's text was not taken.
    public struct Corrupt: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    static let key = "newest_primary_timeline"

    public static func encode(_ timeline: Int) -> String {
        """
        # pgfloat: the newest timeline a server answered primary on; no writes go to a primary on an older one.
        # Written by the daemon; forget it with the runtime API's `clear timeline`, not by editing this file.
        \(key) = \(timeline)

        """
    }

    /// The timeline `text` holds. Anything but exactly one well-formed line (besides comments and blank lines)
    /// is corrupt (throws `Corrupt`): a half-written or hand-edited file must not be half believed.
    public static func decode(_ text: String) throws -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).filter {
            let trimmed = $0.drop(while: { $0 == " " })
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        guard lines.count == 1 else { throw Corrupt(description: "\(lines.count) value lines, want 1") }
        let parts = lines[0].split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
        guard parts.count == 2, parts[0] == key[...] else {
            throw Corrupt(description: "want `\(key) = N`, got `\(lines[0].prefix(80))`")
        }
        // PostgreSQL's timelines start at 1.
        guard let timeline = Int(parts[1]), timeline >= 1 else {
            throw Corrupt(description: "`\(parts[1].prefix(40))` is not a timeline")
        }
        return timeline
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var trimmed = self
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        return trimmed
    }
}
