/// How a ``ScriptLauncher`` runs every script: as whom, and whether insecure scripts are refused.
public struct ScriptPolicy: Hashable, Sendable {
    /// Who scripts run as (keepalived's `script_user`); nil keeps the daemon's own user. When set, the child
    /// switches to it before exec, so with a non-root user a script never runs as root; if the daemon cannot
    /// switch (it is not root), the script does not run at all.
    public var user: ScriptUser?
    /// keepalived's `enable_script_security`: refuse a script that someone other than root and the script user
    /// could change (see ``ScriptSecurity``). Checked before every run, so a later `chmod` is noticed.
    public var enforcesSecurity: Bool

    public init(user: ScriptUser? = nil, enforcesSecurity: Bool = true) {
        self.user = user
        self.enforcesSecurity = enforcesSecurity
    }
}
