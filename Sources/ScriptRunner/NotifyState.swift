/// The state a notify hook announces, spelled as keepalived passes it to the generic `notify` script.
public enum NotifyState: String, Hashable, Sendable, CaseIterable {
    case master = "MASTER"
    case backup = "BACKUP"
    case fault = "FAULT"
    /// The instance stopped (daemon shutdown or the instance removed by a reload).
    case stop = "STOP"
}
