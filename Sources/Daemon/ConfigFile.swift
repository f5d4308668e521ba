import ConfigModel
import Foundation
import ProxyIO

/// Reading a configuration from disk and checking what only the running system can tell: that names resolve.
public enum ConfigFile {
    /// Reads `path` once and validates its text, parsing it in a child process first (``IsolatedConfigParser``).
    /// Throws `ConfigErrors` with every problem, each with its line, or ``ConfigParserFailure`` when the parser's
    /// child crashed or hung.
    public static func load(path: String, parser: IsolatedConfigParser = IsolatedConfigParser()) throws
        -> PGFloatConfig
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigProblem(file: path, line: 0, key: "-", message: "cannot read file")])
        }
        return try parser.load(text: text, path: path)
    }

    /// Resolves every server address; host names resolve at start and on every reload.
    static func resolveServers(_ config: PGFloatConfig) throws -> [DataPlaneSettings.Server] {
        var problems: [ConfigProblem] = []
        var servers: [DataPlaneSettings.Server] = []
        for server in config.servers {
            do {
                let addresses = try SocketAddress.resolve(host: server.address.host, port: server.address.port)
                servers.append(.init(config: server, addresses: addresses))
            } catch {
                problems.append(problem(config, server.address.line, "server.address", "\(error)"))
            }
        }
        guard problems.isEmpty else { throw ConfigErrors(problems) }
        return servers
    }

    /// Resolves every bind address of every listener without binding, for `pgfloat check`.
    static func resolveBinds(_ config: PGFloatConfig) -> [ConfigProblem] {
        config.listeners.flatMap { listener in
            listener.binds.compactMap { bind -> ConfigProblem? in
                do {
                    _ = try SocketAddress.resolve(host: bind.host, port: bind.port)
                    return nil
                } catch {
                    return problem(config, bind.line, "listener.bind", "\(error)")
                }
            }
        }
    }

    /// Everything `pgfloat check` can find without binding: the file's own problems, then name resolution.
    public static func check(path: String, parser: IsolatedConfigParser = IsolatedConfigParser()) -> [ConfigProblem] {
        do {
            let config = try load(path: path, parser: parser)
            var problems = resolveBinds(config)
            do { _ = try resolveServers(config) } catch let errors as ConfigErrors { problems += errors.problems }
            catch { problems.append(ConfigProblem(file: path, line: 0, key: "-", message: "\(error)")) }
            return problems.sorted { $0.line < $1.line }
        } catch let errors as ConfigErrors {
            return errors.problems
        } catch let failure as ConfigParserFailure {
            return [failure.problem]
        } catch {
            return [ConfigProblem(file: path, line: 0, key: "-", message: "\(error)")]
        }
    }

    static func problem(_ config: PGFloatConfig, _ line: Int, _ key: String, _ message: String) -> ConfigProblem {
        ConfigProblem(file: config.path, line: line, key: key, message: message)
    }
}
