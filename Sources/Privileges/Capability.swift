/// One Linux capability, by its number in the kernel ABI (`CAP_NET_ADMIN` is 12).
public struct Capability: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let number: Int32

    public init(_ number: Int32) {
        self.number = number
    }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.number < rhs.number }

    /// Changing the bounding set (`PR_CAPBSET_DROP`) and other processes' capabilities.
    public static let setpcap = Capability(8)
    /// Binding TCP and UDP ports below 1024: a listener moved to 443 or 5432 is fine, one on 432 needs this.
    public static let netBindService = Capability(10)
    /// Adding and removing addresses over rtnetlink (the VIPs), `SO_BINDTODEVICE` on older kernels.
    public static let netAdmin = Capability(12)
    /// Raw IP sockets (VRRP, protocol 112) and AF_PACKET sockets (gratuitous ARP, unsolicited NA).
    public static let netRaw = Capability(13)

    /// The kernel's names, as capabilities(7) and /proc spell them; the ABI only ever appends.
    static let names = [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill", "cap_setgid",
        "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
        "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio",
        "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
        "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
        "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
        "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    ]

    /// `cap_net_admin`; a capability newer than this table is `cap_41`.
    public var description: String {
        number >= 0 && Int(number) < Self.names.count ? Self.names[Int(number)] : "cap_\(number)"
    }
}
