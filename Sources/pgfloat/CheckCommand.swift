import ArgumentParser
import Daemon

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file without starting anything.",
        discussion: "Prints every problem as FILE:LINE: key: message and exits 1, or exits 0 when the file is valid. "
            + "A [defaults] maxconn that needs more open files than this process's hard limit is a warning (exit 0)."
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    func run() throws {
        let problems = ConfigFile.check(path: config)
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            throw ExitCode(1)
        }
        if let loaded = try? ConfigFile.load(path: config), let warning = DescriptorLimit.checkWarning(for: loaded) {
            print(warning)
        }
        print("\(config): configuration is valid")
    }
}
