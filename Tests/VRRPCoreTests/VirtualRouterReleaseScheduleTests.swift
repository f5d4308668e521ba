import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// Random schedules of adverts, faults, stops, resumes and timer firings against a master that begins to release:
/// whatever it hears, it lets go by Master_Down_Interval after resigning, never resigns again while a successor
/// it heard stands, holds the addresses exactly while master, and sends no master's advert while it releases.
final class VirtualRouterReleaseScheduleTests: XCTestCase {
    private let sources = [lowerPeer, higherPeer, address("192.168.1.30")]

    func testRandomSchedulesKeepTheReleaseInvariants() {
        for seed in UInt64(1)...1000 {
            var random = SplitMix64(state: seed)
            var run = ReleaseRun()
            run.begin(handover: Bool.random(using: &random))
            // Schedules differ in how chatty the peers are, so that some releases run into their bound.
            let adverts = Int.random(in: 1...6, using: &random)
            for _ in 0..<40 {
                // Half the steps land within a takeover's few milliseconds, half anywhere in a few intervals.
                let step = Bool.random(using: &random) ? 0...20 : 0...1500
                run.advance(by: .milliseconds(Int.random(in: step, using: &random)))
                switch Int.random(in: 0..<(adverts + 5), using: &random) {
                case 0: run.act { $0.setFault(true, at: $1) }
                case 1: run.act { $0.setFault(false, at: $1) }
                case 2: run.act { $0.shutdown(at: $1) }
                case 3: run.act { $0.resume(at: $1) }
                case 4: break
                default:
                    let priority: UInt8 = [0, 0, 90, 200].randomElement(using: &random)!
                    run.hear(priority: priority, from: sources.randomElement(using: &random)!)
                }
                if let failure = run.failure {
                    return XCTFail("seed \(seed): \(failure)\n\(run.trace.joined(separator: "\n"))")
                }
            }
        }
    }
}

/// A router and what a driver would do with its actions: timers kept and fired in order, addresses held, and the
/// invariants checked after every batch.
private struct ReleaseRun {
    var router: VirtualRouter
    var now = ms(4000)
    var timers: [VRRPTimer.Kind: (timer: VRRPTimer, deadline: MonotonicInstant)] = [:]
    var holds = true
    /// Master_Down_Interval after the router resigned, while it releases.
    var bound: MonotonicInstant?
    /// The first master heard during the release, until it resigns.
    var successor: IPAddress?
    var failure: String?
    var trace: [String] = []

    init() {
        (router, _) = masterRouter(settings(priority: 100))
    }

    mutating func begin(handover: Bool) {
        bound = now + router.masterDownInterval
        act { handover ? $0.handover(at: $1) : $0.shutdown(at: $1) }
    }

    /// Delivers one event to the router now and applies what it returns.
    mutating func act(_ event: (inout VirtualRouter, MonotonicInstant) -> [VRRPAction]) {
        let releasing = router.isReleasing
        apply(event(&router, now), releasing: releasing)
    }

    /// Moves the clock on, firing every timer that falls due on the way.
    mutating func advance(by step: Duration) {
        let target = now + step
        while let due = timers.values.filter({ $0.deadline <= target }).min(by: { $0.deadline < $1.deadline }) {
            timers[due.timer.kind] = nil
            now = max(now, due.deadline)
            trace.append("\(now) \(due.timer.kind) fires")
            act { $0.timerFired(due.timer, at: $1) }
        }
        now = target
        if let bound, router.isReleasing, now > bound { fail("still releasing \(now.since(bound)) past the bound") }
    }

    mutating func hear(priority: UInt8, from source: IPAddress) {
        trace.append("\(now) advert \(priority) from \(source)")
        if router.isReleasing {
            if priority > 0 && successor == nil { successor = source }
            if priority == 0 && source == successor { successor = nil }
        }
        act { $0.received(advert(priority: priority), from: source, at: $1) }
    }

    /// `releasing`: whether the router released before the event that returned `actions`.
    private mutating func apply(_ actions: [VRRPAction], releasing: Bool) {
        trace.append("  -> \(actions)")
        for action in actions {
            switch action {
            case .armTimer(let timer, let deadline): timers[timer.kind] = (timer, deadline)
            case .addVIPs: holds = true
            case .removeVIPs: holds = false
            case .sendAdvert(let priority) where priority == 0:
                if releasing, let successor { fail("priority 0 while successor \(successor) stands") }
            case .sendAdvert:
                if router.isReleasing { fail("a master's advert while releasing") }
            default: break
            }
        }
        if holds != (router.state == .master) { fail("holds the addresses: \(holds), state \(router.state)") }
        if !router.isReleasing {
            bound = nil
            successor = nil
        }
    }

    private mutating func fail(_ what: String) {
        if failure == nil { failure = what }
    }
}

/// A fixed-seed generator (SplitMix64), so a failing schedule replays.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
