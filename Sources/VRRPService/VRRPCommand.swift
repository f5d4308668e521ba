import AdminCore
import ConfigModel

/// What other threads ask of the VRRP thread.
enum VRRPCommand {
    case backends(Bool)
    /// `reply` gets the names of the instances that took their new settings.
    case reconfigure([VRRPConfig], reply: @Sendable ([String]) -> Void)
    case script(instance: String, name: String, effect: ScriptEffect)
    case administer(instance: String, backup: Bool, reply: @Sendable (Bool) -> Void)
    case snapshot(@Sendable ([VRRPInstanceStats]) -> Void)
    /// The data plane answered a heartbeat, with the descriptors it holds.
    case pong(descriptorsHeld: Int)
    case stop(@Sendable () -> Void)
}
