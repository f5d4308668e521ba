import AdminCore
import ConfigModel

/// What other threads ask of the VRRP thread.
enum VRRPCommand {
    case backends(Bool)
    case reconfigure([VRRPConfig])
    case script(instance: String, name: String, effect: ScriptEffect)
    case administer(instance: String, backup: Bool, reply: @Sendable (Bool) -> Void)
    case snapshot(@Sendable ([VRRPInstanceStats]) -> Void)
    /// The data plane answered a heartbeat, with the descriptors it holds.
    case pong(descriptorsHeld: Int)
    case stop(@Sendable () -> Void)
}
