import ConfigModel

extension VRRPConfig {
    /// The keys of `next` that a running instance cannot take in place: they change its socket, its election
    /// (VRID, version, source address), the scripts started for it or the hooks parsed for it. Empty when a
    /// reload can apply `next` to this instance (`VRRPService.reconfigure`).
    public func restartOnlyChanges(to next: VRRPConfig) -> [String] {
        let checks: [(String, Bool)] = [
            ("interface", interface == next.interface),
            ("virtual_router_id", virtualRouterID == next.virtualRouterID),
            ("version", version == next.version),
            ("virtual_addresses (address family)",
             virtualAddresses.first?.address.family == next.virtualAddresses.first?.address.family),
            ("virtual_address_label", virtualAddressLabel == next.virtualAddressLabel),
            ("unicast_source", unicastSource == next.unicastSource),
            ("unicast_peers", unicastPeers == next.unicastPeers),
            ("notify", notify == next.notify && notifyMaster == next.notifyMaster && notifyBackup == next.notifyBackup
                && notifyFault == next.notifyFault && notifyStop == next.notifyStop
                && notifyTimeout == next.notifyTimeout),
            ("track_script", trackScripts.map(\.placeless) == next.trackScripts.map(\.placeless)),
        ]
        return checks.filter { !$0.1 }.map(\.0)
    }
}

extension TrackScriptConfig {
    /// The script without its line in the file: a comment added above it moves it, not what it runs.
    fileprivate var placeless: TrackScriptConfig {
        var script = self
        script.line = 0
        return script
    }
}
