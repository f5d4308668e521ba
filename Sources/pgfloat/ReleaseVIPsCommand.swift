import ArgumentParser
import ConfigModel
import Daemon

/// Removes this node's VIPs after the daemon has stopped: pgfloat.service runs it as `ExecStopPost=`, so a node
/// whose daemon crashed or was killed while master (and whose restart fails) does not keep answering for a VIP a
/// peer now holds.
struct ReleaseVIPsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release-vips",
        abstract: "Remove every [[vrrp]] virtual address of the configuration, and those the daemon last held, "
            + "from its interface.",
        discussion: "For after the daemon has stopped (pgfloat.service's ExecStopPost); a running master would "
            + "add its VIPs back. Addresses and interfaces already gone are fine: exits 0 unless an address "
            + "could not be removed (needs CAP_NET_ADMIN) or the file cannot be loaded; the VIPs the daemon "
            + "last held are removed even then."
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    @Option(help: "The daemon's list of the VIPs it may hold (default: $RUNTIME_DIRECTORY/held-vips, set by systemd).")
    var held: String?

    func run() throws {
        let report: VIPCleanup.Report
        do {
            report = try VIPCleanup.release(configPath: config, heldPath: held ?? VIPCleanup.defaultHeldPath)
        } catch {
            print("cannot release the VIPs: \(error)")
            throw ExitCode(1)
        }
        for line in report.lines { print(line) }
        if report.failed { throw ExitCode(1) }
    }
}
