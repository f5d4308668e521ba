/// Why an address string could not be read, with the line it was written on.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    /// Plain words that quote the bad text, without the file or key (the caller knows those).
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { message }
}

/// Reads `host:port` address strings: `"10.0.0.11:5432"`, `"[::1]:5432"`, `"*:5432"`, `"db.example.com:5432"`.
public enum EndpointParser {
    /// Parses one address. `*` stands for every IPv4 address (`0.0.0.0`); IPv6 literals need brackets because
    /// their colons would otherwise be ambiguous with the port separator.
    ///
    /// - Parameter line: Stored in the endpoint (or the error) so later stages can point at the file.
    public static func parse(_ s: String, line: Int) -> Result<Endpoint, EndpointError> {
        func failure(_ message: String) -> Result<Endpoint, EndpointError> {
            .failure(EndpointError(line: line, message: message))
        }
        let noPort = "address \"\(s)\" has no port; write it as host:port, like \"10.0.0.11:5432\""
        let host: Substring
        let portPart: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else {
                return failure("address \"\(s)\" has no closing \"]\"; write IPv6 as \"[::1]:5432\"")
            }
            host = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.first == ":" else {
                return rest.isEmpty ? failure(noPort) : failure("address \"\(s)\": expected \":port\" after \"]\"")
            }
            portPart = rest.dropFirst()
            guard host.contains(":"), host.allSatisfy(isIPv6Character) else {
                return failure("address \"\(s)\": \"\(host)\" is not an IPv6 address")
            }
        } else {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                return parts.count < 2
                    ? failure(noPort)
                    : failure("address \"\(s)\": put an IPv6 address in brackets, like \"[::1]:5432\"")
            }
            host = parts[0] == "*" ? "0.0.0.0" : parts[0]
            portPart = parts[1]
            guard !host.isEmpty, host.allSatisfy(isHostNameCharacter) else {
                return failure("address \"\(s)\": \"\(parts[0])\" is not a host name or IP address")
            }
        }
        guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return failure("address \"\(s)\": port \"\(portPart)\" is not a number")
        }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            return failure("address \"\(s)\": port \(portPart) is out of range 1...65535")
        }
        return .success(Endpoint(host: String(host), port: port, line: line))
    }

    private static func isIPv6Character(_ c: Character) -> Bool {
        c.isASCII && (c.isHexDigit || c == ":" || c == ".")
    }

    private static func isHostNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
    }
}
