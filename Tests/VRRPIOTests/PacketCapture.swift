import Foundation

/// tshark capturing one packet on an interface inside a namespace, decoded in full (`-V`) with its summary line
/// (`-P`, where wireshark writes "Gratuitous ARP for …").
final class PacketCapture {
    private let process: BackgroundProcess

    /// Starts tshark and waits (bounded) until it reports that capturing has begun.
    init(namespace: String, interface: String, filter: String) throws {
        guard NetworkNamespaceLab.executable("tshark") != nil else {
            throw LabError("tshark is missing: apt-get install tshark")
        }
        process = try BackgroundProcess([
            "ip", "netns", "exec", namespace, "tshark", "-i", interface, "-n", "-l", "-c", "1", "-f", filter,
            "-V", "-P",
        ])
        try NetworkNamespaceLab.wait(timeout: 20, for: "tshark to start on \(interface)") {
            guard process.isRunning else { throw LabError("tshark exited: \(process.errorOutput)") }
            return process.errorOutput.contains("Capturing on")
        }
    }

    /// Calls `send` every 200 ms until tshark has its packet (it exits after one) or `timeout` seconds pass, and
    /// returns tshark's decoded text. Repeating covers the moment between "Capturing on" and the filter being live.
    func decodedPacket(timeout: TimeInterval = 15, sending send: () throws -> Void) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.stop()
                throw LabError("tshark saw no packet in \(timeout) s: \(process.errorOutput)")
            }
            try send()
            usleep(200_000)
        }
        guard process.status == 0 else { throw LabError("tshark failed: \(process.errorOutput)") }
        return process.output
    }
}
