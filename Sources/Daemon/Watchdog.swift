import Dispatch
import Logging
import SystemdNotify

/// systemd's watchdog (`WatchdogSec=`): every half interval, WATCHDOG=1 goes out only if every part of the
/// daemon answered a question since the previous tick; ``WatchdogGate`` decides. A stuck epoll thread, event
/// loop or VRRP thread stops the pings, and systemd kills and restarts the daemon.
///
/// Ticks run on a queue of their own, so a slow reload on the control queue does not hold back pings.
final class Watchdog: @unchecked Sendable {
    /// Asks one part to call the closure it is given from its own thread.
    typealias Probe = @Sendable (@escaping @Sendable () -> Void) -> Void

    private let queue = DispatchQueue(label: "pgfloat.watchdog")
    private let probes: [String: Probe]
    private let settings: WatchdogSettings
    private let link: SystemdLink
    private let logger: Logger
    private var gate: WatchdogGate
    private var timer: DispatchSourceTimer?
    private var stopped = false

    /// - Parameter parts: Names and probes, in the order stalls are reported.
    init(parts: [(name: String, probe: Probe)], settings: WatchdogSettings, link: SystemdLink, logger: Logger) {
        probes = Dictionary(uniqueKeysWithValues: parts.map { ($0.name, $0.probe) })
        gate = WatchdogGate(parts: parts.map(\.name))
        self.settings = settings
        self.link = link
        self.logger = logger
    }

    /// Pings once (start-up got this far) and then every `settings.pingPeriod` while the parts answer. Does
    /// nothing after ``stop()`` (a SIGTERM during start-up).
    func start() {
        let period = settings.pingPeriod
        let started = queue.sync { () -> Bool in
            guard !stopped, timer == nil else { return false }
            link.ping()
            ask(gate.start())
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let (seconds, attoseconds) = period.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            let interval = DispatchTimeInterval.nanoseconds(nanoseconds)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.tick() }
            timer.resume()
            self.timer = timer
            return true
        }
        guard started else { return }
        logger.info(
            "systemd watchdog on",
            metadata: ["interval_ms": "\(Int(settings.interval / .milliseconds(1)))", "parts": "\(gate.parts)"])
    }

    /// No tick runs after this returns, so nothing asks an event loop that is shutting down.
    func stop() {
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
        }
    }

    private func tick() {
        guard timer != nil else { return }
        let decision = gate.tick()
        if decision.ping {
            link.ping()
        } else {
            logger.warning(
                "not pinging the systemd watchdog: parts did not answer",
                metadata: ["silent": "\(decision.silent.joined(separator: ","))"])
        }
        ask(decision.ask)
    }

    /// Called on `queue`.
    private func ask(_ parts: [String]) {
        for part in parts {
            probes[part]? { [weak self] in
                guard let self else { return }
                self.queue.async { self.gate.answer(part) }
            }
        }
    }
}
