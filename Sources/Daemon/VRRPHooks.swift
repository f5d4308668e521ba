import ConfigModel
import Dispatch
import MonotonicTime
import Logging
import ScriptRunner
import VRRPCore
import VRRPService

/// The scripts around VRRP: notify hooks run in transition order per instance, and track scripts whose results
/// go to the VRRP thread. All run through one launcher, as `script_user` and never as root when it is set, and
/// refused when writable by others (keepalived's script security).
final class VRRPHooks: @unchecked Sendable {
    private let launcher: ScriptLauncher
    private let logger: Logger
    private let queues: [String: NotifyQueue]
    private let hooks: [String: NotifyHooks]
    private var trackScripts: [TrackScript] = []

    /// Resolves `script_user` and parses every command; throws before anything runs.
    init(configs: [VRRPConfig], launcher: ScriptLauncher, logger: Logger) throws {
        self.launcher = launcher
        self.logger = logger
        var queues: [String: NotifyQueue] = [:]
        var hooks: [String: NotifyHooks] = [:]
        for config in configs {
            hooks[config.name] = try NotifyHooks(
                master: config.notifyMaster.map(ScriptCommand.init(parsing:)),
                backup: config.notifyBackup.map(ScriptCommand.init(parsing:)),
                fault: config.notifyFault.map(ScriptCommand.init(parsing:)),
                stop: config.notifyStop.map(ScriptCommand.init(parsing:)),
                generic: config.notify.map(ScriptCommand.init(parsing:)))
            var instanceLogger = logger
            instanceLogger[metadataKey: "instance"] = "\(config.name)"
            let hookLogger = instanceLogger
            queues[config.name] = NotifyQueue(
                instance: config.name, launcher: launcher, timeout: config.notifyTimeout
            ) { job, result in
                let metadata: Logger.Metadata = [
                    "command": "\(job.command)", "result": "\(result.summary)",
                    "stdout": "\(result.stdoutText)", "stderr": "\(result.stderrText)",
                ]
                if result.succeeded { hookLogger.info("notify hook", metadata: metadata) } else {
                    hookLogger.warning("notify hook failed", metadata: metadata)
                }
            }
        }
        self.queues = queues
        self.hooks = hooks
    }

    /// The launcher every script of the daemon shares: `script_user` when set, and the security check.
    static func launcher(scriptUser: String?) throws -> ScriptLauncher {
        let user = try scriptUser.map { try ScriptUser.resolve(name: $0) }
        return ScriptLauncher(policy: ScriptPolicy(user: user, enforcesSecurity: true))
    }

    /// What the VRRP thread calls on each transition; never blocks it.
    var notifier: VRRPService.Notifier {
        let queues = self.queues
        let hooks = self.hooks
        return { instance, _, to, priority in
            guard let queue = queues[instance.name], let hooks = hooks[instance.name] else { return }
            queue.submit(hooks: hooks, state: NotifyState(to), priority: Int(priority))
        }
    }

    /// Starts every `[[vrrp.track_script]]`, reporting each change of status to `vrrp`.
    func startTrackScripts(of configs: [VRRPConfig], reportingTo vrrp: VRRPService) throws {
        for config in configs {
            for script in config.trackScripts {
                let settings = TrackScriptSettings(
                    name: script.name, command: try ScriptCommand(parsing: script.script), interval: script.interval,
                    timeout: script.timeout, rise: script.rise, fall: script.fall, weight: script.weight)
                let instance = config.name
                let logger = self.logger
                let track = TrackScript(settings: settings, launcher: launcher) { change in
                    logger.notice(
                        "track script", metadata: [
                            "instance": "\(instance)", "script": "\(change.name)", "from": "\(change.from.rawValue)",
                            "to": "\(change.to.rawValue)", "result": "\(change.result.summary)",
                        ])
                    vrrp.setScript(
                        instance: instance, name: change.name,
                        effect: ScriptEffect(adjustment: change.priorityAdjustment, fault: change.causesFault))
                }
                trackScripts.append(track)
                track.start()
            }
        }
    }

    /// Stops the track scripts; notify hooks already queued (the STOP ones included) still run, bounded by
    /// `wait`.
    func stop(wait: Duration) {
        for track in trackScripts { track.stop() }
        let done = DispatchSemaphore(value: 0)
        let queues = Array(self.queues.values)
        for queue in queues { queue.whenIdle { done.signal() } }
        let deadline = DispatchTime.now() + .nanoseconds(Int(wait.nanoseconds))
        for _ in queues where done.wait(timeout: deadline) == .timedOut { break }
    }
}

extension NotifyState {
    /// keepalived runs notify_stop when an instance stops; INIT is where the VRRP thread leaves it.
    init(_ state: VRRPState) {
        switch state {
        case .master: self = .master
        case .backup: self = .backup
        case .fault: self = .fault
        case .initialize: self = .stop
        }
    }
}
