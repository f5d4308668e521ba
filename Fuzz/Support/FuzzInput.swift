// Shared by every fuzzer (compiled into each one's module by Fuzz/build.sh).

/// The fuzzer's bytes read front to back as a program of choices.
///
/// Reads past the end return zero bytes, so every input is a valid program and libFuzzer never wastes runs on
/// inputs the harness refuses.
struct FuzzInput {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = UnsafeBufferPointer(start: data, count: size)
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// The bytes not read yet.
    var remaining: Int { max(0, bytes.count - position) }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Up to `count` bytes; fewer at the end of the input.
    mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + count)
        guard position < end else { return [] }
        defer { position = end }
        return Array(bytes[position..<end])
    }

    /// Everything not read yet.
    mutating func rest() -> [UInt8] {
        bytes(remaining)
    }
}

/// A broken contract: report it and trap, which libFuzzer records as a crash with the input that caused it.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fatalError("fuzz invariant: \(message())")
    }
}
