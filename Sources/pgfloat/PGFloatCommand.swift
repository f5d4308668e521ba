import ArgumentParser

@main
struct PGFloatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgfloat",
        abstract: "PostgreSQL-aware TCP proxy with a floating virtual IP.",
        discussion: """
            pgfloat routes each new PostgreSQL client connection to the right server of a streaming-replication \
            cluster (primary for read-write, healthy replicas for read-only), queues clients while no server is \
            available and answers them with a PostgreSQL error when the wait ends.
            """,
        version: PGFloatVersion.current,
        subcommands: [
            RunCommand.self, CheckCommand.self, CtlCommand.self, ImportCommand.self, VersionCommand.self,
            ParseConfigCommand.self, ReleaseVIPsCommand.self,
        ]
    )
}
