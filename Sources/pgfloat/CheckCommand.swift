import ArgumentParser
import ConfigModel
import Daemon
import VRRPIO

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file without starting anything.",
        discussion: "Prints every problem as FILE:LINE: key: message and exits 1, or exits 0 when the file is valid. "
            + "A [defaults] maxconn that needs more open files than this process's hard limit is a warning (exit 0), "
            + "and so is a [[vrrp]] unicast_source that is not an address of this host, and an external check beside "
            + "pgsql or patroni ones (a primary it finds never takes writes once a timeline is known)."
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    func run() throws {
        let problems = ConfigFile.check(path: config)
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            throw ExitCode(1)
        }
        if let loaded = try? ConfigFile.load(path: config) {
            if let warning = DescriptorLimit.checkWarning(for: loaded) { print(warning) }
            for line in Self.unicastSourceWarnings(loaded) { print(line) }
            for line in loaded.timelineWarnings() { print(line) }
        }
        print("\(config): configuration is valid")
    }

    /// Each `unicast_source` that is not this host's (the check normally runs on the node, as the unit's
    /// ExecStartPre); nothing when the host's addresses cannot be listed.
    private static func unicastSourceWarnings(_ config: PGFloatConfig) -> [String] {
        let instances = config.vrrp.filter { $0.unicastSource != nil }
        guard !instances.isEmpty, let host = try? HostAddresses.byInterface() else { return [] }
        return instances.compactMap { $0.unicastSourceWarning(path: config.path, hostAddresses: host) }
    }
}
