import ConfigModel
import NetTypes
import VRRPCore

extension VRRPConfig {
    /// The protocol settings of the instance; the loader has validated every value already.
    func settings(primaryAddress: IPAddress) -> VRRPInstanceSettings {
        var settings = VRRPInstanceSettings(
            name: name, vrid: UInt8(clamping: virtualRouterID), priority: UInt8(clamping: priority),
            advertInterval: advertInterval, version: version == .v2 ? .v2 : .v3, preempt: preempt,
            preemptDelay: preemptDelay, virtualAddresses: virtualAddresses, authentication: authentication,
            v3ChecksumAsV2: v3ChecksumAsV2, unicastTTLCheck: unicastTTLCheck,
            transport: isUnicast ? .unicast(peers: unicastPeers) : .multicast, primaryAddress: primaryAddress,
            gratuitousRepeatDelay: garpMasterDelay)
        settings.lowerPriorityGratuitousRepeat = garpLowerPriorityRepeat
        settings.lowerPriorityGratuitousDelay = garpLowerPriorityDelay
        settings.advertBeforeYielding = higherPriorityAdvert
        return settings
    }
}

extension TrackingPolicy {
    /// The instance's tracking; its own interface is always tracked, as keepalived does.
    init(config: VRRPConfig) {
        switch config.trackProxy {
        case .fault: proxy = .fault
        case .off: proxy = .off
        case .weight(let weight): proxy = .weight(weight)
        }
        backends = config.trackBackends
        interfaces = [config.interface] + config.trackInterfaces.filter { $0 != config.interface }
        faultingScripts = config.trackScripts.filter { $0.weight == 0 }.map(\.name)
    }
}

extension ProxyHealthTracker {
    /// The instance's `track_proxy_*` hysteresis, counted once per tracking period.
    init(config: VRRPConfig) {
        self.init(
            silence: config.trackProxySilence, rise: config.trackProxyRise, fall: config.trackProxyFall,
            period: VRRPService.trackingPeriod)
    }
}
