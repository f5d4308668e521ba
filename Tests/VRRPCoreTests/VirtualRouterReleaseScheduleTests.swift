import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// Random schedules of adverts, faults, stops, resumes and timer firings against a master that begins to release:
/// whatever it hears, it lets go by Master_Down_Interval after resigning and 100 ms after a successor's first
/// advert, not before a successor's second advert, that wait or a fault; never resigns again while a successor it
/// heard stands nor takes mastership back; holds the addresses exactly while master; and sends no master's advert
/// while it releases.
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
                case 0: run.fault(true)
                case 1: run.fault(false)
                case 2: run.act(.other) { $0.shutdown(at: $1) }
                case 3: run.act(.other) { $0.resume(at: $1) }
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
    /// Why the router may have let go of the addresses in a batch.
    enum Cause { case fault, secondAdvert, other }

    /// `VirtualRouter.announcementAllowance` with 1 s adverts.
    static let allowance = Duration.milliseconds(100)

    var router: VirtualRouter
    var now = ms(4000)
    var timers: [VRRPTimer.Kind: (timer: VRRPTimer, deadline: MonotonicInstant)] = [:]
    var holds = true
    /// Master_Down_Interval after the router resigned, while it releases.
    var bound: MonotonicInstant?
    /// The masters heard during the release, less those that resigned again.
    var successors: Set<IPAddress> = []
    /// When the first of them was heard.
    var firstAdvert: MonotonicInstant?
    var failure: String?
    var trace: [String] = []

    init() {
        (router, _) = masterRouter(settings(priority: 100))
    }

    mutating func begin(handover: Bool) {
        act(.other) { handover ? $0.handover(at: $1) : $0.shutdown(at: $1) }
    }

    /// Delivers one event to the router now and applies what it returns.
    mutating func act(_ cause: Cause, _ event: (inout VirtualRouter, MonotonicInstant) -> [VRRPAction]) {
        let releasing = router.isReleasing
        apply(event(&router, now), releasing: releasing, cause: cause)
    }

    /// Moves the clock on, firing every timer that falls due on the way (ties in a fixed order, so seeds replay).
    mutating func advance(by step: Duration) {
        let target = now + step
        while let due = timers.values.filter({ $0.deadline <= target })
            .min(by: { ($0.deadline, $0.timer.kind.rawValue) < ($1.deadline, $1.timer.kind.rawValue) })
        {
            timers[due.timer.kind] = nil
            now = max(now, due.deadline)
            trace.append("\(now) \(due.timer.kind) fires")
            act(.other) { $0.timerFired(due.timer, at: $1) }
        }
        now = target
        guard router.isReleasing else { return }
        if let bound, now > bound { fail("still releasing \(now.since(bound)) past the bound") }
        if let firstAdvert, now > firstAdvert + Self.allowance {
            fail("still releasing \(now.since(firstAdvert)) after a successor's first advert")
        }
    }

    mutating func fault(_ raised: Bool) {
        act(raised ? .fault : .other) { $0.setFault(raised, at: $1) }
    }

    mutating func hear(priority: UInt8, from source: IPAddress) {
        trace.append("\(now) advert \(priority) from \(source)")
        var cause = Cause.other
        if router.isReleasing {
            if successors.contains(source) {
                if priority > 0 { cause = .secondAdvert } else { successors.remove(source) }
            } else if priority > 0 {
                if successors.isEmpty { firstAdvert = now }
                successors.insert(source)
            }
            if successors.isEmpty { firstAdvert = nil }
        }
        act(cause) { $0.received(advert(priority: priority), from: source, at: $1) }
    }

    /// `releasing`: whether the router released before the event that returned `actions`.
    private mutating func apply(_ actions: [VRRPAction], releasing: Bool, cause: Cause) {
        trace.append("  -> \(actions)")
        for action in actions {
            switch action {
            case .armTimer(let timer, let deadline): timers[timer.kind] = (timer, deadline)
            case .addVIPs: holds = true
            case .removeVIPs: holds = false
            case .sendAdvert(let priority) where priority == 0:
                if releasing && !successors.isEmpty { fail("priority 0 while successors \(successors) stand") }
            case .sendAdvert:
                if router.isReleasing { fail("a master's advert while releasing") }
            default: break
            }
        }
        if holds != (router.state == .master) { fail("holds the addresses: \(holds), state \(router.state)") }
        if !releasing && router.isReleasing { bound = now + router.masterDownInterval }
        if releasing && !router.isReleasing { checkLettingGo(cause) }
        if !router.isReleasing {
            bound = nil
            successors = []
            firstAdvert = nil
        }
    }

    /// A release ended: a successor's first advert is no reason to let go, and once one spoke this router must
    /// not carry on as master.
    private mutating func checkLettingGo(_ cause: Cause) {
        if router.state == .master {
            if !successors.isEmpty { fail("took mastership back after \(successors) spoke") }
            return
        }
        let waited = firstAdvert.map { now >= $0 + Self.allowance } ?? false
        let pastBound = bound.map { now >= $0 } ?? false
        if cause == .other && !waited && !pastBound { fail("let go before any successor announced") }
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
