import ScriptRunner

/// A check script's process. The spawner lives in ScriptRunner, the one place pgfloat starts processes; this
/// name remains for the probe's wait-status tests.
typealias ScriptRun = ScriptProcess
