/// Where a forwarded CancelRequest went: the label of `pgfloat_cancels_forwarded_total`.
enum CancelTarget: String, CaseIterable {
    /// The one server whose BackendKeyData carried the key: one connection per request.
    case owner
    /// A request whose key pgfloat had not seen (TLS sessions, keys of closed sessions): one per server sent to.
    case broadcast
}

/// Why a CancelRequest, or one forward of it, was not delivered: the label of `pgfloat_cancels_dropped_total`.
///
/// `rateLimited` and `noServer` count requests (nothing was sent); the others count forwards (one server each).
enum CancelDropReason: String, CaseIterable {
    /// The client's address had spent its share (see `CancelRateLimiter`).
    case rateLimited = "rate-limited"
    /// `CancelForwarder.maxInFlight` forwards were already connecting.
    case inFlightCap = "in-flight-cap"
    /// The key was unknown and the listener had no server to broadcast to.
    case noServer = "no-server"
    /// The connect was refused, reset or unroutable.
    case connectFailed = "connect-failed"
    /// pgfloat could not make or watch a socket (out of descriptors, most likely): its fault, not the server's.
    case localError = "local-error"
    /// The server did not accept within `CancelForwarder.connectTimeout`.
    case connectTimeout = "connect-timeout"
}

extension DataPlaneCounters {
    /// Cancel forwards by target label, every target listed so a scrape sees zeros too.
    var cancelsForwardedByLabel: [String: Int] {
        Dictionary(uniqueKeysWithValues: CancelTarget.allCases.map { ($0.rawValue, cancelsForwarded[$0, default: 0]) })
    }

    /// Undelivered cancels by reason label, every reason listed.
    var cancelsDroppedByLabel: [String: Int] {
        Dictionary(
            uniqueKeysWithValues: CancelDropReason.allCases.map { ($0.rawValue, cancelsDropped[$0, default: 0]) })
    }
}
