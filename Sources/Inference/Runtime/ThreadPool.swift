#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A persistent pool of compute threads.
///
/// Threads are created once; each parallel region wakes them by bumping a generation counter, so an
/// operation costs no thread creation or task dispatch. Workers spin briefly before sleeping on a
/// condition variable, which keeps the latency of back-to-back kernel launches low without burning a
/// core while the pool is idle.
public final class ThreadPool: @unchecked Sendable {
    /// Number of threads that run each parallel region, the calling thread included.
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []
    /// The body of the current region; written before `generation` is bumped (release) and read after
    /// workers observe the new generation (acquire).
    private var job: ((Int) -> Void)?
    /// Serialises callers of `run` (regions never overlap).
    private let regionLock = Mutex<Void>(())

    /// Spin iterations before a worker sleeps.
    private static let spinLimit = 200_000

    public init(threads requested: Int) {
        threadCount = max(1, requested)
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for index in 1..<threadCount {
            let box = Unmanaged.passRetained(WorkerContext(pool: self, index: index))
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                #if canImport(Darwin)
                let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
                #else
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                #endif
                context.pool.workerLoop(index: context.index)
                return nil
            }, box.toOpaque())
            if rc == 0 {
                threads.append(thread)
            } else {
                box.release()
            }
        }
    }

    deinit {
        shuttingDown.store(true, ordering: .releasing)
        pthread_mutex_lock(mutex)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(condition)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Number of threads actually running regions (fewer than requested if the OS refused some).
    public var activeThreads: Int { threads.count + 1 }

    /// Runs `body(threadIndex)` once on each of `activeThreads` threads and returns when all are done.
    public func run(_ body: (Int) -> Void) {
        let workers = threads.count
        if workers == 0 {
            body(0)
            return
        }
        regionLock.withLock { _ in
            withoutActuallyEscaping(body) { escaping in
                job = escaping
                remaining.store(workers, ordering: .relaxed)
                pthread_mutex_lock(mutex)
                generation.add(1, ordering: .releasing)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
                escaping(0)
                var spins = 0
                while remaining.load(ordering: .acquiring) != 0 {
                    spins += 1
                    if spins > 10_000 { sched_yield() }
                }
                job = nil
            }
        }
    }

    /// Splits `0..<count` into contiguous ranges, one per thread, and runs `body` on each non-empty range.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = activeThreads
        if n == 1 || count == 1 {
            body(0..<count)
            return
        }
        run { index in
            let range = ThreadPool.split(count, parts: n, index: index)
            if !range.isEmpty { body(range) }
        }
    }

    /// The `index`-th of `parts` near-equal contiguous ranges of `0..<count`.
    public static func split(_ count: Int, parts: Int, index: Int) -> Range<Int> {
        let base = count / parts
        let extra = count % parts
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    private func workerLoop(index: Int) {
        // Start from generation 0, not from the current value: a region may already have been
        // published before this thread got scheduled, and it must still run its share of it.
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= ThreadPool.spinLimit {
                    pthread_mutex_lock(mutex)
                    while generation.load(ordering: .acquiring) == seen {
                        pthread_cond_wait(condition, mutex)
                    }
                    pthread_mutex_unlock(mutex)
                }
            }
            seen = generation.load(ordering: .acquiring)
            if shuttingDown.load(ordering: .acquiring) { return }
            if let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}

private final class WorkerContext {
    /// Unowned: the pool joins every worker in its deinit, so it outlives them; a strong or weak
    /// reference held for the loop's duration would keep the pool alive forever.
    unowned(unsafe) let pool: ThreadPool
    let index: Int
    init(pool: ThreadPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
