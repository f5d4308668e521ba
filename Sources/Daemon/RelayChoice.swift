import ConfigModel
import Logging
import ProxyIO

/// What `[global] relay` gets at start: the kernel relay loaded, or the epoll relay and, when the kernel relay
/// was asked for, why it could not be loaded.
public struct RelayChoice: Sendable {
    public let kernelRelay: KernelRelay?
    public let fallbackReason: String?
    let requested: RelayMode

    /// Loads the kernel relay's program and maps when `config` asks for them, sized for `[defaults] maxconn`
    /// sessions (`fixedGrant`: tests only, see ``KernelRelay``). Call it before privileges are dropped: loading
    /// needs CAP_BPF and CAP_NET_ADMIN, and nothing afterwards does. A failure is not fatal, for `sockmap` as for
    /// `auto`: epoll runs instead, and ``log(to:)`` says why.
    public static func load(for config: PGFloatConfig, fixedGrant: UInt64? = nil) -> RelayChoice {
        let mode = config.global.relay
        guard mode != .epoll else { return RelayChoice(kernelRelay: nil, fallbackReason: nil, requested: mode) }
        do {
            let relay = try KernelRelay.load(sessions: config.defaults.maxconn, fixedGrant: fixedGrant)
            return RelayChoice(kernelRelay: relay, fallbackReason: nil, requested: mode)
        } catch {
            return RelayChoice(kernelRelay: nil, fallbackReason: error.description, requested: mode)
        }
    }

    /// One line at start naming the relay that runs.
    public func log(to logger: Logger) {
        if kernelRelay != nil {
            logger.info(
                "relay: sockmap (the kernel relays established sessions)", metadata: ["requested": "\(requested)"])
        } else if let fallbackReason {
            // `auto` on a kernel or unit that does not allow it is expected; an explicit `sockmap` is not.
            let level: Logger.Level = requested == .sockmap ? .warning : .notice
            logger.log(
                level: level, "relay: epoll (the kernel relay could not be loaded)",
                metadata: ["requested": "\(requested)", "why": "\(fallbackReason)"])
        } else {
            logger.info("relay: epoll")
        }
    }
}
