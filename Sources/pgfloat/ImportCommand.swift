import ArgumentParser
import ConfigModel
import Foundation
import ImportCore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an HAProxy (and keepalived) configuration into a pgfloat.toml.",
        discussion: """
            Prints the pgfloat configuration (or writes it with --output), and on stderr one line per directive \
            that could not be carried over as FILE:LINE: directive: message ("note:" for what pgfloat does not \
            need). Exits 1 when a file cannot be read or nothing could be translated. `pgfloat import --mapping` \
            prints the table of every directive the importer knows.
            """
    )

    @Option(name: .long, help: "The HAProxy configuration (haproxy.cfg).")
    var haproxy: String?

    @Option(name: .long, help: "The keepalived configuration (keepalived.conf).")
    var keepalived: String?

    @Option(name: .shortAndLong, help: "Write the configuration to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Overwrite --output when it exists.")
    var force = false

    @Flag(name: .long, help: "Print the mapping of HAProxy and keepalived directives to pgfloat keys, as Markdown.")
    var mapping = false

    func validate() throws {
        if !mapping && haproxy == nil { throw ValidationError("--haproxy is required") }
    }

    func run() throws {
        if mapping {
            print(MappingTable.markdown(), terminator: "")
            return
        }
        guard let haproxy else { return }
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            printError("pgfloat import: \(output) exists; pass --force to overwrite it")
            throw ExitCode(1)
        }
        let haproxySource = try read(haproxy)
        let keepalivedSource = try keepalived.map(read)
        let result = ConfigImporter.translate(haproxy: haproxySource, keepalived: keepalivedSource)
        for diagnostic in result.diagnostics { printError(diagnostic.description) }
        guard !result.translatedNothing else {
            printError("pgfloat import: nothing could be translated")
            throw ExitCode(1)
        }
        // The result should always load; if it does not, say where, so the operator fixes the file.
        let outputName = output ?? "<stdout>"
        do {
            _ = try ConfigLoader.load(text: result.toml, path: outputName)
        } catch let errors as ConfigErrors {
            for problem in errors.problems { printError("\(problem) (in the generated file)") }
        }
        guard let output else {
            print(result.toml, terminator: "")
            return
        }
        do {
            try Data(result.toml.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            printError("pgfloat import: cannot write \(output): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    private func read(_ path: String) throws -> ImportSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("pgfloat import: cannot read \(path)")
            throw ExitCode(1)
        }
        return ImportSource(path: path, text: String(decoding: data, as: UTF8.self))
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
