import ScriptRunner

/// How a check script ended and what it printed: ScriptRunner's result, under the name the probe uses.
typealias ScriptResult = ScriptRunner.ScriptResult
