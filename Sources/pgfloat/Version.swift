import ArgumentParser

enum PGFloatVersion {
    static let current = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("pgfloat \(PGFloatVersion.current)")
    }
}
