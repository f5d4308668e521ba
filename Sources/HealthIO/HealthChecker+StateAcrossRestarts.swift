import HealthCore
import Logging
import MonotonicTime
import NIOCore

/// What the checker carries across a restart of the daemon: the newest primary timeline in its state file, and
/// the startup gate that keeps the first server to answer primary from winning before the others answered.
extension HealthChecker {
    /// How long after a failed write of the state file the next one may start.
    static let timelineRetryDelay = Duration.seconds(5)

    /// At the first configuration, before any check runs: takes the remembered timeline and holds the election
    /// until every server answered once or one check timeout passed.
    func resumeFromLastRun() {
        rememberNewestTimeline()
        let now = Self.now()
        view.holdElections(from: now)
        guard let deadline = view.startupGate?.deadline else { return }
        gateTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(deadline.since(now).nanoseconds))) {
            [weak self] in
            guard let self else { return }
            self.reviewStartupGate(at: Self.now())
            self.publishRouting()
        }
    }

    /// Opens the startup gate when it may; logs why when it does.
    func reviewStartupGate(at now: MonotonicInstant) {
        guard let opening = view.reviewStartupGate(at: now) else { return }
        gateTimer?.cancel()
        gateTimer = nil
        logger.notice(
            "startup gate open: primaries may be elected",
            metadata: [
                "why": "\(opening.rawValue)",
                "newest_timeline": "\(view.newestPrimaryTimeline.map(String.init) ?? "none")",
            ])
    }

    /// Reads the state file once, at start. A missing, unreadable or corrupt file means nothing remembered; the
    /// next primary answer sets the newest timeline again (and rewrites a corrupt file).
    private func rememberNewestTimeline() {
        guard let timelineFile else { return }
        let metadata: Logger.Metadata = ["file": "\(timelineFile.path)"]
        do {
            guard let timeline = try timelineFile.load() else {
                logger.notice("no newest primary timeline remembered", metadata: metadata.merging(
                    ["why": "no state file (first start, or cleared)"], uniquingKeysWith: { $1 }))
                timelineSync.loaded(nil)
                return
            }
            view.remember(newestPrimaryTimeline: timeline)
            timelineSync.loaded(timeline)
            logger.notice(
                "newest primary timeline remembered",
                metadata: metadata.merging(
                    ["timeline": "\(timeline)", "why": "no writes to a primary on an older one"],
                    uniquingKeysWith: { $1 }))
        } catch {
            // Taken as no file: the next primary answer rewrites it.
            timelineSync.loaded(nil)
            logger.warning(
                "no newest primary timeline remembered",
                metadata: metadata.merging(
                    ["why": "state file unreadable or corrupt: \(error)"], uniquingKeysWith: { $1 }))
        }
    }

    /// Starts writing the newest timeline to the state file when it differs from what the file holds. The write
    /// waits for the disk on `timelineQueue`; its outcome comes back to the event loop.
    func keepNewestTimeline() {
        guard let timelineFile, let value = timelineSync.due(newest: view.newestPrimaryTimeline, at: Self.now())
        else { return }
        timelineQueue.async {
            let failure: Error?
            do {
                try timelineFile.write(value)
                failure = nil
            } catch {
                failure = error
            }
            self.eventLoop.execute { self.timelineWritten(value, failure: failure) }
        }
    }

    private func timelineWritten(_ value: Int?, failure: Error?) {
        let wasFailing = timelineSync.failing
        let firstFailure = timelineSync.finished(value, succeeded: failure == nil, at: Self.now())
        let metadata: Logger.Metadata = [
            "file": "\(timelineFile?.path ?? "")", "timeline": "\(value.map(String.init) ?? "none")",
        ]
        if let failure, firstFailure {
            logger.error(
                "cannot keep the newest primary timeline across restarts; retrying",
                metadata: metadata.merging(
                    ["why": "\(failure)", "failures": "\(timelineSync.failures)"], uniquingKeysWith: { $1 }))
        } else if failure == nil, wasFailing {
            logger.notice("newest primary timeline kept again", metadata: metadata)
        }
        // The view may have moved on while the disk was busy.
        keepNewestTimeline()
    }
}
