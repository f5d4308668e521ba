import CLibcap
import Glibc

extension ProcessPrivileges {
    /// The calling thread's ids, groups and capabilities, from the kernel (capget through libcap, getres[ug]id,
    /// getgroups). Capabilities live per thread: call it on the thread whose credentials matter.
    public static func read() throws(PrivilegeError) -> ProcessPrivileges {
        var uid: (uid_t, uid_t, uid_t) = (0, 0, 0)
        var gid: (gid_t, gid_t, gid_t) = (0, 0, 0)
        guard clibcap_getresuid(&uid.0, &uid.1, &uid.2) == 0, clibcap_getresgid(&gid.0, &gid.1, &gid.2) == 0 else {
            throw PrivilegeError("cannot read the process's ids: \(errnoText())")
        }
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let filled = groups.isEmpty ? 0 : getgroups(count, &groups)
        guard count >= 0, filled >= 0 else { throw PrivilegeError("cannot read the groups: \(errnoText())") }

        guard let state = cap_get_proc() else {
            throw PrivilegeError("cannot read the capabilities: \(errnoText())")
        }
        defer { cap_free(UnsafeMutableRawPointer(state)) }
        var capabilities = Capabilities()
        for number in 0..<Int32(cap_max_bits()) {
            let capability = Capability(number)
            if flag(state, number, CAP_EFFECTIVE) { capabilities.effective.insert(capability) }
            if flag(state, number, CAP_PERMITTED) { capabilities.permitted.insert(capability) }
            if flag(state, number, CAP_INHERITABLE) { capabilities.inheritable.insert(capability) }
            if cap_get_bound(cap_value_t(number)) == 1 { capabilities.bounding.insert(capability) }
            // -1 on kernels without ambient capabilities (before 4.3): there are none then.
            if cap_get_ambient(cap_value_t(number)) == 1 { capabilities.ambient.insert(capability) }
        }
        return ProcessPrivileges(
            uids: IDs(real: uid.0, effective: uid.1, saved: uid.2),
            gids: IDs(real: gid.0, effective: gid.1, saved: gid.2),
            groups: Set(groups.prefix(Int(filled))), capabilities: capabilities)
    }

    private static func flag(_ state: cap_t, _ number: Int32, _ flag: cap_flag_t) -> Bool {
        var value = CAP_CLEAR
        return cap_get_flag(state, cap_value_t(number), flag, &value) == 0 && value == CAP_SET
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
