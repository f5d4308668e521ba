/// Whether the operator lets the election run.
public enum VRRPAdministrativeMode: String, Hashable, Sendable {
    /// The election decides (the default, and the admin command `auto`).
    case automatic
    /// Stay backup whatever the election says, until `resume` (the admin command `state backup`).
    case backup
}
