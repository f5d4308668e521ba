/// One `name=value` pair of a StartupMessage, such as `user` or `database`.
public struct StartupParameter: Equatable, Sendable {
    /// The parameter name (`user`, `database`, `application_name`, `options`, a GUC, or a `_pq_.` option).
    public var name: String
    /// The parameter value; may be empty.
    public var value: String

    /// Creates a parameter.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A StartupMessage: the packet that opens a normal session.
///
/// PostgreSQL docs, "Message Formats": Int32 length, Int32 protocol version (`major << 16 | minor`), then pairs
/// of NUL-terminated name and value strings, then one more NUL ending the list.
public struct StartupMessage: Equatable, Sendable {
    /// Protocol major version; always 3 once parsed.
    public var majorVersion: UInt16
    /// Protocol minor version: 0 for most clients, 2 for PostgreSQL 18 clients asking for protocol 3.2.
    public var minorVersion: UInt16
    /// The parameters in the order the client sent them.
    public var parameters: [StartupParameter]

    /// Creates a startup message.
    public init(majorVersion: UInt16 = 3, minorVersion: UInt16 = 0, parameters: [StartupParameter]) {
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.parameters = parameters
    }

    /// The value of parameter `name` ("user", "database", "application_name"), or nil if absent.
    ///
    /// If the client repeated a name the last value wins, as in PostgreSQL's own startup packet processing,
    /// which overwrites earlier values.
    public subscript(_ name: String) -> String? {
        parameters.last(where: { $0.name == name })?.value
    }

    /// The wire bytes, to forward to servers. NUL bytes inside names or values are dropped (they cannot be
    /// represented in a C string).
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [0, 0, 0, 0]  // Length placeholder, patched below.
        bytes.appendUInt32BE(RequestCode.protocolVersion(major: majorVersion, minor: minorVersion))
        for parameter in parameters {
            bytes.appendCString(parameter.name)
            bytes.appendCString(parameter.value)
        }
        bytes.append(0)
        let length = UInt32(clamping: bytes.count)
        bytes[0] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
        return bytes
    }

    /// Decodes the parameter list of a complete StartupMessage of `length` bytes whose header was validated.
    ///
    /// Mirrors PostgreSQL's layout check: every name must have a value, and the list's terminating NUL must be
    /// the packet's last byte ("invalid startup packet layout: expected terminator as last byte").
    static func decodeParameters(_ bytes: UnsafeRawBufferPointer, length: Int) -> [StartupParameter]? {
        guard length > StartupLimits.headerLength, length <= bytes.count else { return nil }
        var parameters: [StartupParameter] = []
        var index = StartupLimits.headerLength
        while index < length {
            if bytes[index] == 0 {
                // An empty name is the list terminator; anything after it is a layout error.
                return index == length - 1 ? parameters : nil
            }
            guard let nameEnd = bytes.indexOfNUL(from: index, before: length) else { return nil }
            let valueStart = nameEnd + 1
            guard let valueEnd = bytes.indexOfNUL(from: valueStart, before: length) else { return nil }
            // Clients may send any bytes; decode lossily rather than rejecting, the server has the final say.
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<nameEnd]), as: UTF8.self)
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]),
                               as: UTF8.self)
            parameters.append(StartupParameter(name: name, value: value))
            index = valueEnd + 1
        }
        // Ran off the end without the extra terminating NUL.
        return nil
    }
}
