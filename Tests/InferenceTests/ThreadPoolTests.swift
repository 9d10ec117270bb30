import Foundation
import Inference
import Synchronization
import XCTest

/// The persistent worker pool: every region runs on every thread exactly once, even when a region is
/// published before the workers have been scheduled, and back-to-back regions never lose a worker.
final class ThreadPoolTests: XCTestCase {
    /// Runs `body` on another thread and fails (instead of hanging the suite) if it takes longer than `seconds`.
    private func withinDeadline(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("\(what) did not finish within \(seconds) s (a worker missed a region)")
        }
    }

    func testRegionPublishedRightAfterStartupRunsOnEveryThread() {
        withinDeadline(60, "first regions of fresh pools") {
            for threads in [2, 3, 4, 8] {
                for _ in 0..<50 {
                    let pool = ThreadPool(threads: threads)
                    let ran = Atomic<Int>(0)
                    pool.run { _ in ran.add(1, ordering: .relaxed) }
                    XCTAssertEqual(ran.load(ordering: .relaxed), pool.activeThreads)
                }
            }
        }
    }

    func testParallelForCoversEveryIndexOnceAcrossManyRegions() {
        withinDeadline(60, "back-to-back regions") {
            let pool = ThreadPool(threads: 3)
            XCTAssertEqual(pool.threadCount, 3)
            for count in [0, 1, 2, 3, 7, 100, 1001] {
                for _ in 0..<200 {
                    // each index belongs to exactly one range, so plain writes do not race
                    let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
                    defer { hits.deallocate() }
                    hits.initialize(repeating: 0)
                    let base = hits.baseAddress!
                    pool.parallelFor(count) { range in
                        for i in range { base[i] += 1 }
                    }
                    for i in 0..<count where hits[i] != 1 {
                        XCTFail("index \(i) of \(count) ran \(hits[i]) times")
                        return
                    }
                }
            }
        }
    }

    func testSplitPartitionsExactly() {
        for count in [0, 1, 5, 64, 1000] {
            for parts in 1...7 {
                var next = 0
                for index in 0..<parts {
                    let r = ThreadPool.split(count, parts: parts, index: index)
                    XCTAssertEqual(r.lowerBound, next)
                    XCTAssertLessThanOrEqual(r.count, count / parts + 1)
                    next = r.upperBound
                }
                XCTAssertEqual(next, count)
            }
        }
    }

    func testIdlePoolsShutDown() {
        withinDeadline(30, "pool teardown") {
            for _ in 0..<20 {
                let pool = ThreadPool(threads: 4)
                pool.run { _ in }
                usleep(1000) // let workers fall asleep on the condition variable
            }
        }
    }
}
