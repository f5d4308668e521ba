// pg-backend-key: what a server sends a new session, in arbitrary chunks, through `BackendKeyScanner`, the way
// DataPlane+CancelKeys.swift feeds it from the relay until it decides.
//
// Input: a chunking byte (as pg-first-packet: the low four bits give the largest chunk, 0 for all at once), a
// start byte (odd: the client opened with an SSLRequest or GSSENCRequest), then the server's byte stream.
//
// Beyond "no trap", it checks:
// - chunking never changes the outcome;
// - a decided outcome stays as it is whatever bytes follow;
// - a scan still undecided has not yet read more than its byte limit;
// - a key found is in the stream as BackendKeyData: 'K', its length, the process ID and the secret, in order.

import PGWire

/// Small, so that inputs of fuzzing size reach the limit too.
let byteLimit = 512

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGBackendKey(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let chunking = input.byte()
    let start: BackendKeyScanner.Start = input.byte() & 1 == 1 ? .encryptionRequest : .startup
    let stream = input.rest()

    var whole = BackendKeyScanner(start: start, byteLimit: byteLimit)
    let wholeProgress = scan(&whole, stream, chunkSizes: [stream.count])
    var chunked = BackendKeyScanner(start: start, byteLimit: byteLimit)
    let chunkedProgress = scan(&chunked, stream, chunkSizes: chunkSizes(for: stream.count, chunking: chunking))
    fuzzCheck(wholeProgress == chunkedProgress, "chunking changed the outcome: \(wholeProgress) vs \(chunkedProgress)")

    switch wholeProgress {
    case .needMore:
        fuzzCheck(stream.count <= byteLimit, "undecided after \(stream.count) bytes, limit \(byteLimit)")
    case .finished(let outcome):
        fuzzCheck(whole.scan([0x5A, 0, 0, 0, 5, 0x49]) == wholeProgress, "a decided outcome changed")
        if case .key(let key) = outcome {
            let message = [UInt8(ascii: "K")] + bigEndian(UInt32(8 + key.secretKey.count))
                + bigEndian(key.processID) + key.secretKey
            fuzzCheck(contains(stream, message), "key \(key) is not a BackendKeyData of the stream")
        }
    }
    return 0
}

/// Feeds `stream` in chunks of the given sizes, stopping once the scanner has decided, as the data plane does.
func scan(_ scanner: inout BackendKeyScanner, _ stream: [UInt8], chunkSizes: [Int]) -> BackendKeyScanner.Progress {
    var progress = BackendKeyScanner.Progress.needMore
    var offset = 0
    for size in chunkSizes where progress == .needMore {
        // Each chunk in a buffer of its own size, so AddressSanitizer sees a read past it.
        let chunk = Array(stream[offset..<(offset + size)])
        progress = chunk.withUnsafeBufferPointer { scanner.scan(UnsafeRawBufferPointer($0)) }
        offset += size
    }
    return progress
}

/// Chunk sizes adding up to `total`, each at most `chunking & 0x0F` (0: one chunk), varied by the high bits.
func chunkSizes(for total: Int, chunking: UInt8) -> [Int] {
    let largest = Int(chunking & 0x0F)
    guard largest > 0 else { return [total] }
    var sizes: [Int] = []
    var state = UInt32(chunking) | 1
    var left = total
    while left > 0 {
        // xorshift32: a fixed, cheap sequence, so a crash reproduces from the input alone.
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let size = min(left, 1 + Int(state % UInt32(largest)))
        sizes.append(size)
        left -= size
    }
    return sizes
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
}
