import ArgumentParser
import ConfigModel
import Daemon
import Foundation

struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Send runtime API commands to a running pgfloat and print the answers.",
        discussion: """
            The same commands as `echo "COMMAND" | socat stdio /run/pgfloat/admin.sock`, e.g. \
            `pgfloat ctl set server replicas/pg3 state drain` or `pgfloat ctl "show stat; show info"`. \
            Without a command, lines are read from standard input. `pgfloat ctl help` lists the commands.
            """
    )

    @Option(name: .shortAndLong, help: "The admin socket; default: [global] admin_socket of --config.")
    var socket: String?

    @Option(name: .shortAndLong, help: "The configuration file that names the admin socket.")
    var config: String = "/etc/pgfloat/pgfloat.toml"

    @Argument(parsing: .captureForPassthrough, help: "The command and its words.")
    var command: [String] = []

    func run() throws {
        let path = try socketPath()
        // The socket answers one line and closes, as HAProxy's does: several input lines become one `;` list.
        let input = command.isEmpty
            ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                .split(whereSeparator: \.isNewline).joined(separator: ";") + "\n"
            : command.joined(separator: " ") + "\n"
        do {
            let answer = try AdminSocketClient.exchange(path: path, input: input)
            FileHandle.standardOutput.write(answer)
        } catch {
            FileHandle.standardError.write(Data("pgfloat ctl: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func socketPath() throws -> String {
        if let socket { return socket }
        do {
            let loaded = try ConfigFile.load(path: config)
            guard let path = loaded.global.adminSocket else {
                throw ValidationError("\(config) sets no [global] admin_socket; pass --socket")
            }
            return path
        } catch let errors as ConfigErrors {
            throw ValidationError("\(errors)")
        } catch let failure as ConfigParserFailure {
            throw ValidationError("\(failure.problem)")
        }
    }
}
