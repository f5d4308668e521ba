import ArgumentParser
import Daemon
import Foundation

/// The child that every configuration load runs first (`IsolatedConfigParser`): not for operators, so hidden.
struct ParseConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ConfigParserChild.subcommand,
        abstract: "Parse and validate configuration text from stdin; answer on stdout (internal).",
        shouldDisplay: false
    )

    @Option(name: .long, help: "The file the text was read from, for messages.")
    var path: String

    func run() {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        switch ConfigParserChild.injectedFault(into: text, environment: ProcessInfo.processInfo.environment) {
        case .abort?: abort()
        case .hang?: sleep(3600)  // the parent kills it long before
        case nil: break
        }
        FileHandle.standardOutput.write(ConfigParserChild.answer(text: text, path: path))
    }
}
