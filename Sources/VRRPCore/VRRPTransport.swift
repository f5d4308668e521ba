import NetTypes

/// How an instance's adverts travel, which decides whom it listens to.
public enum VRRPTransport: Hashable, Sendable {
    /// To the VRRP group on the link (RFC 5798 5.1.1.2, 5.1.2.2): a unicast advert is a forgery from off the link.
    case multicast
    /// To each peer by unicast (keepalived's `unicast_peer`): only adverts from these addresses count.
    case unicast(peers: [IPAddress])
}
