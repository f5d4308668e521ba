import NIOCore

/// Where and how long a network probe may talk: what the tcp, pg-hello and agent probes share.
struct ProbeTarget {
    var host: String
    var port: Int
    var timeout: Duration
    var eventLoop: EventLoop
}
