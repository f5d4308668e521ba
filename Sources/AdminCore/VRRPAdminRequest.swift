/// What an operator asks of a VRRP instance with `set vrrp NAME state ...`.
public enum VRRPAdminRequest: String, Equatable, Sendable, CaseIterable {
    /// Give up or never claim MASTER until `auto`, e.g. before maintenance on this node.
    case backup
    /// Undo `backup`: take part in elections as configured again.
    case auto
}
