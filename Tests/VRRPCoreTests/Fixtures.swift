import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// An instant `milliseconds` after the fake clock's origin.
func ms(_ milliseconds: Int) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: UInt64(milliseconds) * 1_000_000)
}

/// An instant `nanoseconds` after the fake clock's origin, for deadlines with sub-millisecond skew.
func ns(_ nanoseconds: UInt64) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: nanoseconds)
}

func address(_ text: String) -> IPAddress {
    guard let value = IPAddress(text) else { preconditionFailure("bad test address \(text)") }
    return value
}

func network(_ text: String) -> IPNetwork {
    guard let value = IPNetwork(text) else { preconditionFailure("bad test network \(text)") }
    return value
}

let localAddress = address("192.168.1.10")
let higherPeer = address("192.168.1.20")
let lowerPeer = address("192.168.1.5")
let virtualAddress = network("192.168.1.100/24")

func settings(
    priority: UInt8 = 100, version: VRRPVersion = .v3, interval: Duration = .seconds(1), preempt: Bool = true,
    preemptDelay: Duration = .zero, authentication: String? = nil, unicastTTLCheck: Bool = false,
    transport: VRRPTransport = .multicast, gratuitousRepeatDelay: Duration = .seconds(5)
) -> VRRPInstanceSettings {
    VRRPInstanceSettings(
        name: "VI_1", vrid: 51, priority: priority, advertInterval: interval, version: version, preempt: preempt,
        preemptDelay: preemptDelay, virtualAddresses: [virtualAddress], authentication: authentication,
        unicastTTLCheck: unicastTTLCheck, transport: transport, primaryAddress: localAddress,
        gratuitousRepeatDelay: gratuitousRepeatDelay)
}

/// A peer's VRRPv3 advert for the test instance.
func advert(priority: UInt8, centiseconds: UInt16 = 100) -> VRRPPacket {
    VRRPPacket(
        vrid: 51, priority: priority, addresses: [virtualAddress.address],
        format: .v3(maxAdvertIntervalCentiseconds: centiseconds))
}

/// A peer's VRRPv2 advert for the test instance.
func v2Advert(priority: UInt8, seconds: UInt8 = 1, authentication: VRRPAuthentication = .none) -> VRRPPacket {
    VRRPPacket(
        vrid: 51, priority: priority, addresses: [virtualAddress.address],
        format: .v2(advertIntervalSeconds: seconds, authentication: authentication))
}

extension Array where Element == VRRPAction {
    /// The actions other than timer arming, which tests compare literally.
    var effects: [VRRPAction] {
        filter {
            if case .armTimer = $0 { return false }
            return true
        }
    }

    /// The timer of `kind` armed by these actions, with its deadline.
    func armed(_ kind: VRRPTimer.Kind) -> (timer: VRRPTimer, deadline: MonotonicInstant)? {
        for action in self {
            if case .armTimer(let timer, let deadline) = action, timer.kind == kind { return (timer, deadline) }
        }
        return nil
    }

    /// The kinds of timer armed, in order.
    var armedKinds: [VRRPTimer.Kind] {
        compactMap {
            if case .armTimer(let timer, _) = $0 { return timer.kind }
            return nil
        }
    }
}

/// The actions of becoming master with the test settings, before timers.
func becomingMaster(priority: UInt8, from: VRRPState, why: VRRPTransitionReason) -> [VRRPAction] {
    [
        .sendAdvert(priority: priority), .addVIPs([virtualAddress]), .sendGratuitous([virtualAddress.address]),
        .sendAdvert(priority: priority),
        .stateChanged(from: from, to: .master, why: why),
    ]
}

/// A router driven to master through Master_Down_Timer expiry, with the actions of that takeover.
func masterRouter(
    _ settings: VRRPInstanceSettings, file: StaticString = #filePath, line: UInt = #line
)
    -> (router: VirtualRouter, actions: [VRRPAction])
{
    var router = VirtualRouter(settings: settings)
    let started = router.start(at: ms(0))
    guard let masterDown = started.armed(.masterDown) else {
        XCTFail("no Master_Down_Timer at startup", file: file, line: line)
        return (router, [])
    }
    let actions = router.timerFired(masterDown.timer, at: masterDown.deadline)
    XCTAssertEqual(router.state, .master, file: file, line: line)
    return (router, actions)
}
