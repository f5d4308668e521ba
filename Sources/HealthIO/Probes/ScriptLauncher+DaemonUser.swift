import ScriptRunner

extension ScriptLauncher {
    /// Runs check scripts as the daemon's user without the security check, as HAProxy's external-check does;
    /// the daemon passes its own launcher instead, which applies `script_user` and the check.
    public static let asDaemonUser = ScriptLauncher(policy: ScriptPolicy(user: nil, enforcesSecurity: false))
}
