import Dispatch
import MonotonicTime

/// Runs one track script every `interval` and reports its status changes: the driver of
/// ``TrackScriptMachine``.
///
/// Nothing here blocks the caller: ticks and results are handled on a private serial queue, runs happen on the
/// launcher's threads. `onChange` is called on that queue, in order; hand the change to the VRRP thread and
/// return.
public final class TrackScript: @unchecked Sendable {
    public let settings: TrackScriptSettings
    private let launcher: ScriptLauncher
    private let environment: [String: String]
    private let onChange: @Sendable (TrackScriptChange) -> Void
    private let queue = DispatchQueue(label: "pgfloat.track-script")
    /// Touched only on `queue`.
    private var machine: TrackScriptMachine
    /// The run in progress; touched only on `queue`.
    private var running: ScriptHandle?

    /// - Parameter environment: Extra variables the script sees besides `PATH`.
    public init(
        settings: TrackScriptSettings, launcher: ScriptLauncher, environment: [String: String] = [:],
        onChange: @escaping @Sendable (TrackScriptChange) -> Void
    ) {
        self.settings = settings
        self.launcher = launcher
        self.environment = environment
        self.onChange = onChange
        self.machine = TrackScriptMachine(settings: settings)
    }

    /// Runs the script now and then every `interval`.
    public func start() {
        queue.async { self.perform(self.machine.start(at: ScriptClock.now())) }
    }

    /// Stops the schedule and kills a run in progress; no change is reported afterwards. Safe from `onChange`.
    public func stop() {
        queue.async {
            self.machine.stop()
            self.running?.kill()
        }
    }

    private func perform(_ actions: [TrackScriptMachine.Action]) {
        for action in actions {
            switch action {
            case .startRun:
                running = launcher.run(settings.command, environment: environment, timeout: settings.timeout) {
                    [self] result in
                    queue.async {
                        self.running = nil
                        self.perform(self.machine.runFinished(result))
                    }
                }
            case .armTimer(let id, let deadline):
                queue.asyncAfter(deadline: ScriptClock.dispatchTime(deadline)) { [weak self] in
                    guard let self else { return }
                    self.perform(self.machine.timerFired(id: id, at: ScriptClock.now()))
                }
            case .report(let change):
                onChange(change)
            }
        }
    }
}
