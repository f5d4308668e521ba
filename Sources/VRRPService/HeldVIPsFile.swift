import ConfigModel
import Foundation
import NetTypes

/// The VIPs the running daemon holds or may hold, in a file for `pgfloat release-vips`: after a reload that
/// removed a VIP, or a file edited but not reloaded, the configuration on disk no longer names every VIP the
/// daemon may have left on an interface.
///
/// One line per VIP, `INSTANCE INTERFACE ADDRESS/PREFIX`. The daemon writes it on its control thread (never the
/// VRRP thread) whenever the set changes, to a temporary file renamed over the old one, so a reader sees the old
/// or the new list, never half of one. It lives in the unit's `RuntimeDirectory=` (`$RUNTIME_DIRECTORY`), which
/// systemd keeps until `ExecStopPost=` has run.
public enum HeldVIPsFile {
    /// One VIP of one instance.
    public struct Entry: Hashable, Sendable {
        public var instance: String
        public var interface: String
        public var vip: IPNetwork

        public init(instance: String, interface: String, vip: IPNetwork) {
            self.instance = instance
            self.interface = interface
            self.vip = vip
        }
    }

    /// `$RUNTIME_DIRECTORY/held-vips` when systemd set the variable; nil otherwise (the daemon run by hand keeps
    /// no such file, and `release-vips` then works from the configuration alone).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        // systemd lists several directories colon-separated when the unit names several; pgfloat's names one.
        guard let directory = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !directory.isEmpty
        else { return nil }
        return "\(directory)/held-vips"
    }

    /// Every VIP of `instances`, in configuration order.
    public static func entries(of instances: [VRRPConfig]) -> [Entry] {
        instances.flatMap { config in
            config.virtualAddresses.map { Entry(instance: config.name, interface: config.interface, vip: $0) }
        }
    }

    public static func encode(_ entries: [Entry]) -> String {
        entries.map { "\($0.instance) \($0.interface) \($0.vip)\n" }.joined()
    }

    /// The entries of `text`; a line that does not parse is skipped (release what can be read).
    public static func decode(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, let vip = IPNetwork(String(words[2])) else { return nil }
            return Entry(instance: String(words[0]), interface: String(words[1]), vip: vip)
        }
    }

    /// Replaces the file at `path` atomically (a temporary file beside it, renamed over it).
    public static func write(_ entries: [Entry], to path: String) throws {
        try Data(encode(entries).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The entries in the file at `path`; none when it does not exist (no daemon ran, or it held no VIP).
    public static func read(from path: String) throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return decode(try String(contentsOfFile: path, encoding: .utf8))
    }
}
