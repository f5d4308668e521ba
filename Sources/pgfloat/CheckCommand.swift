import ArgumentParser
import Daemon

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file without starting anything.",
        discussion: "Prints every problem as FILE:LINE: key: message and exits 1, or exits 0 when the file is valid."
    )

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    func run() throws {
        let problems = ConfigFile.check(path: config)
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            throw ExitCode(1)
        }
        print("\(config): configuration is valid")
    }
}
