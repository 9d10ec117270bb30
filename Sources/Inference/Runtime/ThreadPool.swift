#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A persistent pool of compute threads.
///
/// Threads are created once; a parallel region publishes its work by bumping a generation counter, so an
/// operation costs no thread creation or task dispatch. A region is a number of chunks that threads
/// claim one at a time from a shared counter, the calling thread included: a thread the OS has not
/// scheduled (a busy core, a noisy neighbour) simply claims nothing, and the others finish its share
/// instead of waiting for it. Workers spin briefly before sleeping on a condition variable, which keeps
/// back-to-back regions fast without burning a core while the pool is idle.
///
/// Which chunk runs on which thread varies from run to run; callers make results independent of it by
/// cutting work into chunks that do not depend on the thread count.
public final class ThreadPool: @unchecked Sendable {
    /// Number of threads that work on each region, the calling thread included.
    public let threadCount: Int

    /// Bumped (release) once per region after `job` and `claims` are set; workers wait for a change.
    private let generation = Atomic<Int>(0)
    /// `(region tag << 32) | next unclaimed chunk` of the current region. Claiming compares the tag, so a
    /// worker that wakes late can never take a chunk of a region it did not read the job of.
    private let claims = Atomic<UInt64>(0)
    /// Chunks of the current region finished so far.
    private let finished = Atomic<Int>(0)
    /// Workers between reading `job` and dropping their copy of it. The caller waits for zero after
    /// clearing `job`, so no thread still holds the region's body when `forEachChunk` returns.
    private let holding = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []
    /// The body of the current region and its chunk count; written before `claims`/`generation` are
    /// published (release) and read only by a thread that then claims a chunk of the same region.
    private var job: ((_ chunk: Int, _ worker: Int) -> Void)?
    private var jobChunks = 0
    private var regionTag: UInt64 = 0
    /// Serialises callers (regions never overlap).
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

    /// Runs `body(chunk, worker)` once for every chunk in `0..<count` and returns when all are done.
    ///
    /// `worker` (in `0..<activeThreads`, 0 the caller) names the thread running the chunk; a thread runs one
    /// chunk at a time, so per-worker scratch indexed by it is never shared.
    public func forEachChunk(_ count: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        guard count > 0 else { return }
        if threads.isEmpty || count == 1 {
            for chunk in 0..<count { body(chunk, 0) }
            return
        }
        regionLock.withLock { _ in
            withoutActuallyEscaping(body) { escaping in
                regionTag = (regionTag + 1) & 0xFFFF_FFFF
                job = escaping
                jobChunks = count
                finished.store(0, ordering: .relaxed)
                claims.store(regionTag << 32, ordering: .releasing)
                pthread_mutex_lock(mutex)
                generation.add(1, ordering: .releasing)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
                // The caller works too, then waits for chunks other threads still hold.
                let tag = regionTag
                while let chunk = claim(tag: tag, count: count) {
                    escaping(chunk, 0)
                    finished.add(1, ordering: .releasing)
                }
                var spins = 0
                while finished.load(ordering: .acquiring) != count {
                    spins += 1
                    if spins > 10_000 { sched_yield() }
                }
                // Close the region's counter before anything of the next region is written: a worker
                // that read this region's tag late, and then the next region's job, must not be able to
                // claim "remaining" chunks of this tag with that job (it would run the next body on
                // chunks twice and overcount `finished`, hanging the next region's wait).
                claims.store((tag << 32) | 0xFFFF_FFFF, ordering: .sequentiallyConsistent)
                // Store job, fence, load holding — against the worker's add holding, fence, load job: a
                // worker either is counted here or reads nil.
                job = nil
                atomicMemoryFence(ordering: .sequentiallyConsistent)
                while holding.load(ordering: .sequentiallyConsistent) != 0 { sched_yield() }
            }
        }
    }

    /// Runs `body(i)` once for every `i` in `0..<activeThreads` (not necessarily each on its own thread).
    public func run(_ body: (Int) -> Void) {
        forEachChunk(activeThreads) { chunk, _ in body(chunk) }
    }

    /// Splits `0..<count` into contiguous ranges and runs `body` on each; the ranges depend only on
    /// `count` and the thread count.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = min(count, activeThreads * 4)
        if parts == 1 || activeThreads == 1 {
            body(0..<count)
            return
        }
        forEachChunk(parts) { chunk, _ in
            body(ThreadPool.split(count, parts: parts, index: chunk))
        }
    }

    /// The `index`-th of `parts` near-equal contiguous ranges of `0..<count`.
    public static func split(_ count: Int, parts: Int, index: Int) -> Range<Int> {
        let base = count / parts
        let extra = count % parts
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// Takes the next unclaimed chunk of region `tag`, or nil when none is left (or the region is over).
    private func claim(tag: UInt64, count: Int) -> Int? {
        var state = claims.load(ordering: .acquiring)
        while true {
            guard state >> 32 == tag else { return nil }
            let next = Int(state & 0xFFFF_FFFF)
            guard next < count else { return nil }
            let (exchanged, original) = claims.compareExchange(expected: state, desired: state + 1,
                                                               ordering: .acquiringAndReleasing)
            if exchanged { return next }
            state = original
        }
    }

    private func workerLoop(index: Int) {
        // Start from generation 0, not from the current value: a region may already have been
        // published before this thread got scheduled, and it may still have chunks to take.
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
            holding.add(1, ordering: .sequentiallyConsistent)
            atomicMemoryFence(ordering: .sequentiallyConsistent)
            do {
                // Read the region's tag, then its job; a successful claim under the same tag proves the
                // region was still open, so the job read belongs to it.
                let tag = claims.load(ordering: .acquiring) >> 32
                let count = jobChunks
                if let body = job {
                    while let chunk = claim(tag: tag, count: count) {
                        body(chunk, index)
                        finished.add(1, ordering: .releasing)
                    }
                }
            }
            holding.subtract(1, ordering: .releasing)
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
