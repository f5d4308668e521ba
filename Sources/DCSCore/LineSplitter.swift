/// Cuts a byte stream into lines: the watch stream is one JSON object per line, in chunks that split lines
/// anywhere.
public struct LineSplitter: Sendable {
    /// A line longer than this is not etcd's (a watch message of a few member records is a few KiB).
    public let maxLine: Int
    private var pending: [UInt8] = []

    public struct Overflow: Error, Sendable, Equatable {}

    public init(maxLine: Int = 4 * 1024 * 1024) {
        self.maxLine = maxLine
    }

    /// The complete lines `chunk` finishes, without their line breaks; empty lines are dropped.
    public mutating func feed<Bytes: Sequence>(_ chunk: Bytes) throws -> [[UInt8]] where Bytes.Element == UInt8 {
        var lines: [[UInt8]] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                guard pending.count < maxLine else { throw Overflow() }
                pending.append(byte)
            }
        }
        return lines
    }

    /// Drops a partial line, for a new stream.
    public mutating func reset() {
        pending = []
    }
}
