import Glibc

/// The process's one path to a log descriptor (stderr): any thread hands finished lines to a bounded buffer and
/// goes on; a thread of the writer's own writes them out.
///
/// Contract:
/// - ``write(_:)`` never waits for the descriptor. Under a short lock it copies the line into the buffer, or, when
///   the buffer has no room, drops the line and counts it. Before the next line that fits (or, once the buffer has
///   emptied, on its own) the writer puts one notice, `N log lines dropped`, so the log shows where lines are
///   missing.
/// - One writer per descriptor: `pgfloat run` makes the one for stderr and hands it to the log handler, the data
///   plane (session lines) and the stats (drop count).
/// - Lines are written in batches: the first line into an empty buffer wakes the writer thread, which then lets
///   ``coalescingDelay`` pass (less when the buffer fills to a quarter or a drain asks) before it writes what has
///   come. A proxy logging one line per connection would otherwise pay a thread wakeup, two context switches and a
///   write(2) per connection; batched, hundreds of lines share them.
/// - Only the writer thread blocks in write(2). It starts with ``start()``, which `pgfloat run` calls after the
///   privilege drop (a thread that exists before it keeps root's capabilities); until then lines wait in the buffer.
/// - ``drain(timeout:)`` waits, for at most its timeout, until everything handed in has been written: the last
///   lines before an exit are not lost while the descriptor works, and a stalled one cannot hold the exit up.
/// - A write error other than EINTR or EAGAIN (EPIPE, EBADF) discards what was being written, so the buffer keeps
///   moving; SIGPIPE is blocked on the writer thread, so a closed reader does not kill the process.
public final class LogWriter: @unchecked Sendable {
    /// Formats the notice for `count` dropped lines, newline included. Called with the writer's lock held, by
    /// whichever thread finds room again: it must not log.
    public typealias DropNotice = @Sendable (_ count: Int) -> [UInt8]

    /// 1 MiB: about 5,000 session lines, several seconds of a busy proxy's log.
    public static let defaultCapacity = 1 << 20
    /// Room for a drop notice in either format.
    public static let minimumCapacity = 256
    /// How long the writer thread lets lines gather after the first one wakes it: short enough that a log tail
    /// looks live, long enough that a busy proxy writes a batch per wakeup.
    public static let coalescingDelay = Duration.milliseconds(20)

    public let fd: Int32
    /// Bytes the buffer holds at most.
    public let capacity: Int

    private let storage: UnsafeMutablePointer<UInt8>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when a line arrives in an empty buffer, or when the writer should stop gathering lines (the
    /// buffer is a quarter full, or a drain waits), for the writer thread.
    private let arrived: UnsafeMutablePointer<pthread_cond_t>
    /// Broadcast when the buffer has emptied, for ``drain(timeout:)``.
    private let emptied: UnsafeMutablePointer<pthread_cond_t>

    // Guarded by `mutex`.
    private var head = 0
    private var count = 0
    private var unreportedDrops = 0
    private var droppedTotal = 0
    private var started = false
    private var dropNotice: DropNotice
    /// The writer thread waits for a first line (`idle`), lets lines gather (`gathering`), or writes.
    private var writerPhase = WriterPhase.writing
    /// Calls to write(2) so far, which batching keeps far below the number of lines.
    private var writeCalls = 0
    /// Threads waiting in ``drain(timeout:)``: while any does, the writer does not gather.
    private var draining = 0

    private enum WriterPhase {
        case idle, gathering, writing
    }

    /// A writer for `fd` holding at most `capacity` bytes; its thread starts with ``start()``.
    public init(
        fd: Int32, capacity: Int = LogWriter.defaultCapacity,
        dropNotice: @escaping DropNotice = LogWriter.plainDropNotice
    ) {
        precondition(capacity >= Self.minimumCapacity, "a log buffer needs room for at least the drop notice")
        self.fd = fd
        self.capacity = capacity
        self.dropNotice = dropNotice
        storage = .allocate(capacity: capacity)
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        arrived = .allocate(capacity: 1)
        emptied = .allocate(capacity: 1)
        pthread_cond_init(arrived, &attributes)
        pthread_cond_init(emptied, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    // The writer thread holds a reference for as long as it runs, so a started writer lives until exit.
    deinit {
        pthread_cond_destroy(arrived)
        pthread_cond_destroy(emptied)
        pthread_mutex_destroy(mutex)
        arrived.deallocate()
        emptied.deallocate()
        mutex.deallocate()
        storage.deallocate()
    }

    /// `N log lines dropped`, for a writer that is not told the log's format.
    public static let plainDropNotice: DropNotice = { count in Array("\(count) log lines dropped\n".utf8) }

    /// Lines dropped since start because the buffer was full.
    public var droppedLines: Int {
        locked { droppedTotal }
    }

    /// How many write(2) calls the writer thread has made.
    public var descriptorWrites: Int {
        locked { writeCalls }
    }

    /// Sets how the drop notice is written (the log's format), for lines dropped from now on.
    public func setDropNotice(_ notice: @escaping DropNotice) {
        locked { dropNotice = notice }
    }

    /// Hands one finished line (newline included) to the writer thread. Returns false when it was dropped because
    /// the buffer was full; never waits for the descriptor.
    @discardableResult
    public func write(_ line: UnsafeRawBufferPointer) -> Bool {
        guard !line.isEmpty else { return true }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if unreportedDrops > 0 {
            let notice = dropNotice(unreportedDrops)
            guard capacity - count >= notice.count + line.count else { return drop() }
            notice.withUnsafeBytes { append($0) }
            unreportedDrops = 0
        } else if capacity - count < line.count {
            return drop()
        }
        append(line)
        switch writerPhase {
        case .idle:
            pthread_cond_signal(arrived)
        case .gathering where count >= capacity / 4:
            pthread_cond_signal(arrived)
        case .gathering, .writing:
            break
        }
        return true
    }

    /// Hands one finished line (newline included) to the writer thread; see ``write(_:)-(UnsafeRawBufferPointer)``.
    @discardableResult
    public func write(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { write($0) }
    }

    /// Starts the writer thread; lines handed in before are written first. Does nothing when it runs already.
    public func start() {
        locked { startLocked() }
    }

    /// Waits until every line handed in so far is written, or `timeout` has passed; starts the writer thread if
    /// need be (a fatal error before start must still be printed). True when the buffer emptied in time.
    @discardableResult
    public func drain(timeout: Duration) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        startLocked()
        pthread_cond_signal(arrived)
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + Int(timeout.components.attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(timeout.components.seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        draining += 1
        defer { draining -= 1 }
        while count > 0 || unreportedDrops > 0 {
            if pthread_cond_timedwait(emptied, mutex, &deadline) == ETIMEDOUT { break }
        }
        return count == 0 && unreportedDrops == 0
    }

    // MARK: - Under the lock

    private func locked<Value>(_ body: () -> Value) -> Value {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private func drop() -> Bool {
        unreportedDrops += 1
        droppedTotal += 1
        return false
    }

    /// Copies `bytes` behind what the buffer holds, wrapping at its end; the caller made sure they fit.
    private func append(_ bytes: UnsafeRawBufferPointer) {
        var tail = (head + count) % capacity
        var copied = 0
        while copied < bytes.count {
            let run = min(bytes.count - copied, capacity - tail)
            UnsafeMutableRawPointer(storage + tail).copyMemory(from: bytes.baseAddress! + copied, byteCount: run)
            copied += run
            tail = (tail + run) % capacity
        }
        count += bytes.count
    }

    private func startLocked() {
        guard !started else { return }
        started = true
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { context in
                let writer = Unmanaged<LogWriter>.fromOpaque(context!).takeRetainedValue()
                writer.runWriterThread()
            }, context)
        if status == 0 {
            pthread_detach(thread)
        } else {
            // No thread: nothing will ever be written, so drain must not wait for it.
            Unmanaged<LogWriter>.fromOpaque(context).release()
            head = 0
            count = 0
            unreportedDrops = 0
        }
    }

    // MARK: - The writer thread

    private func runWriterThread() -> Never {
        var signals = sigset_t()
        sigfillset(&signals)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        pthread_mutex_lock(mutex)
        while true {
            while count == 0 {
                if unreportedDrops > 0 {
                    let notice = dropNotice(unreportedDrops)
                    if notice.count <= capacity {
                        notice.withUnsafeBytes { append($0) }
                        unreportedDrops = 0
                        break
                    }
                }
                pthread_cond_broadcast(emptied)
                writerPhase = .idle
                pthread_cond_wait(arrived, mutex)
                gather()
            }
            writerPhase = .writing
            // Writers only ever fill free space, so this run stays as it is while the lock is released.
            let run = UnsafeRawPointer(storage + head)
            let length = min(count, capacity - head)
            pthread_mutex_unlock(mutex)
            let done = writeOut(run, length)
            pthread_mutex_lock(mutex)
            writeCalls += 1
            head = (head + done) % capacity
            count -= done
        }
    }

    /// Lets lines gather for up to ``coalescingDelay`` after the first one, unless the buffer fills or a drain
    /// waits. Called with the lock held.
    private func gather() {
        guard count > 0, draining == 0, count < capacity / 4 else { return }
        writerPhase = .gathering
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + Int(Self.coalescingDelay.components.attoseconds / 1_000_000_000)
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        while draining == 0, count < capacity / 4 {
            if pthread_cond_timedwait(arrived, mutex, &deadline) == ETIMEDOUT { break }
        }
    }

    /// Writes some of `length` bytes, blocking as long as the descriptor makes it; returns how many are done
    /// with (written, or discarded because the descriptor failed).
    private func writeOut(_ bytes: UnsafeRawPointer, _ length: Int) -> Int {
        while true {
            let written = Glibc.write(fd, bytes, length)
            if written > 0 { return written }
            let error = written < 0 ? errno : EIO
            switch error {
            case EINTR:
                continue
            case EAGAIN:
                // A non-blocking descriptor (inherited that way): wait until it takes bytes again.
                var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, -1)
            default:
                return length
            }
        }
    }
}
