// config-load: any text as pgfloat.toml through `ConfigLoader.load(text:path:)`: TOMLKit's parser (toml++, C++),
// the schema walk, the value parsers and the source map that finds each problem's line.
//
// Input: the file's bytes, decoded as UTF-8 with replacement as a file read into a String would be.
//
// Beyond "no trap", it checks the loader's contract: it either returns a config or throws `ConfigErrors` (nothing
// else) with at least one problem, each on a line of the file (1...lines + 1; the one past the end is where
// toml++ reports an unterminated last line), and a config it accepts is consistent: every listener's servers
// exist and every name is unique.

import ConfigModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoad(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lineCount = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    do {
        let config = try ConfigLoader.load(text: text, path: "fuzz.toml")
        check(config)
    } catch let errors as ConfigErrors {
        fuzzCheck(!errors.problems.isEmpty, "ConfigErrors without a problem")
        for problem in errors.problems {
            fuzzCheck(problem.file == "fuzz.toml", "problem in file \(problem.file)")
            fuzzCheck((1...(lineCount + 1)).contains(problem.line), "line \(problem.line) of \(lineCount): \(problem)")
        }
    } catch {
        fatalError("fuzz invariant: load threw \(type(of: error)), not ConfigErrors: \(error)")
    }
    return 0
}

func check(_ config: PGFloatConfig) {
    let servers = config.servers.map(\.name)
    fuzzCheck(Set(servers).count == servers.count, "duplicate server names \(servers)")
    let listeners = config.listeners.map(\.name)
    fuzzCheck(Set(listeners).count == listeners.count, "duplicate listener names \(listeners)")
    for listener in config.listeners {
        fuzzCheck(!listener.binds.isEmpty, "listener \(listener.name) without binds")
        fuzzCheck(listener.servers.allSatisfy(servers.contains), "listener \(listener.name) names unknown servers")
    }
    let instances = config.vrrp.map(\.name)
    fuzzCheck(Set(instances).count == instances.count, "duplicate VRRP instances \(instances)")
}
