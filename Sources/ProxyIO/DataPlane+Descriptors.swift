extension DataPlane {
    /// The descriptors the data plane holds now, from its own bookkeeping: epoll and the mailbox's eventfd, each
    /// listening socket, each session's client socket and server socket, and each CancelRequest being forwarded.
    ///
    /// VRRP's `track_proxy` compares it (plus what the rest of the process holds) with the open-file limit every
    /// heartbeat, which costs nothing here, where listing `/proc/self/fd` took longest exactly near the limit.
    /// Read on the data-plane thread, or before ``run()`` starts it.
    public var descriptorsHeld: Int {
        2 + listenerByFD.count + processSessions + serverSockets + cancels.inFlight
    }
}
