/// `server` and `default-server` lines.
extension HAProxyReader {
    mutating func readServer(_ arguments: [String], at here: Origin, into proxy: inout ProxySettings) {
        guard arguments.count >= 2 else {
            log.warn(here, "expected a name and an address; not translated")
            return
        }
        let (name, address) = (arguments[0], arguments[1])
        let own = parameters(arguments.dropFirst(2), at: here)
        switch HAProxyValues.address(address) {
        case .address(let host, let port):
            proxy.servers.append(
                ParsedServer(
                    name: name, host: host, port: port, parameters: proxy.defaultServer.overlaid(with: own),
                    origin: here))
        case .unsupported(let what):
            log.warn(here, "server \(name): \"\(address)\" is \(what), which pgfloat cannot connect to; not translated")
        case .invalid:
            log.warn(here, "server \(name): \"\(address)\" is not an address; not translated")
        }
    }

    /// Reads the parameters of a `server` or `default-server` line. An unknown keyword gets one warning, and the
    /// words after it up to the next known keyword are taken as its values.
    mutating func parameters(_ words: ArraySlice<String>, at here: Origin) -> ServerParameters {
        var result = ServerParameters()
        var index = words.startIndex
        while index < words.endIndex {
            let keyword = words[index]
            guard let parameter = HAProxyServerParameter.named(keyword) else {
                log.warn(
                    here.with(directive: here.directive + " " + keyword), "not known to the importer; not translated")
                index += 1
                while index < words.endIndex, HAProxyServerParameter.named(words[index]) == nil { index += 1 }
                continue
            }
            let valueIndex = index + 1
            guard valueIndex + parameter.arity <= words.endIndex else {
                log.warn(here.with(directive: here.directive + " " + keyword), "expected a value; not translated")
                break
            }
            let value = parameter.arity == 1 ? words[valueIndex] : ""
            index = valueIndex + parameter.arity
            read(parameter, keyword: keyword, value: value, at: here, into: &result)
        }
        return result
    }

    // swiftlint:disable:next cyclomatic_complexity
    private mutating func read(
        _ parameter: HAProxyServerParameter, keyword: String, value: String, at line: Origin,
        into result: inout ServerParameters
    ) {
        let here = line.with(directive: line.directive + " " + keyword)
        func count() -> Int? {
            guard let number = HAProxyValues.integer(value) else {
                log.warn(here, "\"\(value)\" is not a whole number; not translated")
                return nil
            }
            return number
        }
        switch parameter {
        case .check: result.check = Sourced(true, here)
        case .port: result.port = count().map { Sourced($0, here) }
        case .inter: result.inter = duration(value, at: here).map { Sourced($0, here) }
        case .fastinter: result.fastinter = duration(value, at: here).map { Sourced($0, here) }
        case .downinter: result.downinter = duration(value, at: here).map { Sourced($0, here) }
        case .rise: result.rise = count().map { Sourced($0, here) }
        case .fall: result.fall = count().map { Sourced($0, here) }
        case .backup: result.backup = Sourced(true, here)
        case .weight: result.weight = count().map { Sourced($0, here) }
        case .maxconn: result.maxconn = count().map { Sourced($0, here) }
        case .slowstart: result.slowstart = duration(value, at: here).map { Sourced($0, here) }
        case .onMarkedDown:
            if value == "shutdown-sessions" {
                result.shutdownOnMarkedDown = Sourced(true, here)
            } else {
                log.warn(here, "\(value) has no equivalent; pgfloat can only shut the sessions down")
            }
        case .onMarkedUp:
            if value == "shutdown-backup-sessions" {
                result.shutdownBackupOnMarkedUp = Sourced(true, here)
            } else {
                log.warn(here, "\(value) has no equivalent; pgfloat can only shut the backup sessions down")
            }
        case .checkSSL: result.checkSSL = Sourced(true, here)
        case .caFile: result.caFile = Sourced(value, here)
        case .agentCheck: result.agent = Sourced(true, here)
        case .agentPort: result.agentPort = count().map { Sourced($0, here) }
        case .agentInter: result.agentInter = duration(value, at: here).map { Sourced($0, here) }
        case .addr, .disabled, .sendProxy, .resolution, .cosmetic:
            log.dropped(here, parameter.mapping)
        }
    }
}
