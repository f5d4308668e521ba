import ConfigModel
import MonotonicTime

extension InstanceDriver {
    /// Applies a reloaded `[[vrrp]]` of this instance in place (priority, preempt, intervals, addresses, tracking)
    /// without leaving the current state; false, changing nothing, when it needs a restart
    /// (`VRRPConfig.restartOnlyChanges`).
    func reconfigure(_ next: VRRPConfig, at now: MonotonicInstant) -> Bool {
        let settings = next.settings(primaryAddress: router.settings.primaryAddress)
        guard config.restartOnlyChanges(to: next).isEmpty, router.canReconfigure(to: settings) else { return false }
        guard next != config else { return true }
        if (next.trackProxySilence, next.trackProxyRise, next.trackProxyFall)
            != (config.trackProxySilence, config.trackProxyRise, config.trackProxyFall)
        {
            proxyHealth = ProxyHealthTracker(config: next)
        }
        if next.version == .v2 && next.advertInterval != config.advertInterval {
            // RFC 3768 7.1: peers still on the old interval drop this node's adverts and it drops theirs.
            logger.error(
                """
                VRRPv2 advert_interval changed: until every node has the new value, nodes ignore each other's \
                adverts and two masters may result; change it on all nodes together
                """,
                metadata: ["from": "\(config.advertInterval)", "to": "\(next.advertInterval)"])
        }
        config = next
        policy = TrackingPolicy(config: next)
        run(router.reconfigure(settings, at: now), at: now)
        // The new policy may weigh what is tracked differently (track_proxy, track_backends, track_interface).
        track(tracked, at: now)
        return true
    }
}
