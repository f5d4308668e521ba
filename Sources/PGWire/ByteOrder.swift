// Big-endian ("network byte order") helpers. Every integer in the PostgreSQL wire protocol is sent most
// significant byte first (PostgreSQL docs, "Message Data Types": Int32 / Int16 are network byte order).
//
// Reads go byte by byte so that buffers at any alignment (for example a slice of a socket read buffer) are fine,
// and they return unsigned values: callers compare against limits *before* converting to `Int`, so no input can
// cause an integer-conversion trap.

extension UnsafeRawBufferPointer {
    /// The big-endian `UInt32` at `offset`, or nil when fewer than 4 bytes remain.
    @inline(__always)
    func readUInt32BE(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        return UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// The index of the first NUL byte in `start..<end`, or nil when that range holds none.
    @inline(__always)
    func indexOfNUL(from start: Int, before end: Int) -> Int? {
        var index = start
        while index < end {
            if self[index] == 0 { return index }
            index += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as 4 big-endian bytes.
    @inline(__always)
    mutating func appendUInt32BE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` as a length field. Lengths come from our own encoders (bounded by what fits in memory);
    /// values that do not fit in a UInt32 are clamped rather than trapping, which at worst yields a message the
    /// peer rejects.
    @inline(__always)
    mutating func appendLengthBE(_ value: Int) {
        appendUInt32BE(UInt32(clamping: value))
    }

    /// Appends `string` as a PostgreSQL "String" (a C string): its UTF-8 bytes then a NUL terminator.
    /// Embedded NULs would end the string early on the peer and desynchronise the framing, so they are dropped.
    @inline(__always)
    mutating func appendCString(_ string: String) {
        for byte in string.utf8 where byte != 0 { append(byte) }
        append(0)
    }
}
