import Foundation
import Routing
import XCTest

final class CircuitBreakerTests: XCTestCase {
    let clock = ManualClock()
    lazy var breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 3, cooldownSeconds: 10), clock: clock)

    func testOpensAfterConsecutiveFailuresOnly() {
        breaker.recordFailure()
        breaker.recordFailure()
        breaker.recordSuccess()  // resets the count
        breaker.recordFailure()
        breaker.recordFailure()
        XCTAssertEqual(breaker.state(), .closed(consecutiveFailures: 2))
        XCTAssertTrue(breaker.tryAcquire())
        breaker.recordFailure()
        XCTAssertEqual(breaker.state(), .open(until: clock.now().addingTimeInterval(10)))
        XCTAssertFalse(breaker.tryAcquire())
        XCTAssertFalse(breaker.wouldAllow())
    }

    func testHalfOpenAllowsOneProbeThenClosesOnSuccess() {
        for _ in 0..<3 { breaker.recordFailure() }
        clock.advance(9.9)
        XCTAssertFalse(breaker.tryAcquire())
        clock.advance(0.1)
        XCTAssertEqual(breaker.state(), .halfOpen(probeInFlight: false))
        XCTAssertTrue(breaker.tryAcquire())
        XCTAssertEqual(breaker.state(), .halfOpen(probeInFlight: true))
        XCTAssertFalse(breaker.tryAcquire(), "only one probe at a time")
        breaker.recordSuccess()
        XCTAssertEqual(breaker.state(), .closed(consecutiveFailures: 0))
        XCTAssertTrue(breaker.tryAcquire())
    }

    func testFailedProbeReopensForAFullCooldown() {
        for _ in 0..<3 { breaker.recordFailure() }
        clock.advance(10)
        XCTAssertTrue(breaker.tryAcquire())
        clock.advance(2)
        breaker.recordFailure()
        XCTAssertEqual(breaker.state(), .open(until: clock.now().addingTimeInterval(10)))
        clock.advance(9)
        XCTAssertFalse(breaker.tryAcquire())
        clock.advance(1)
        XCTAssertTrue(breaker.tryAcquire())
    }

    func testLostProbeFreesTheSlotAfterACooldown() {
        for _ in 0..<3 { breaker.recordFailure() }
        clock.advance(10)
        XCTAssertTrue(breaker.tryAcquire())
        clock.advance(5)
        XCTAssertFalse(breaker.tryAcquire())
        clock.advance(5)
        XCTAssertTrue(breaker.tryAcquire())
    }

    func testStaleResultsWhileOpenAreIgnored() {
        for _ in 0..<3 { breaker.recordFailure() }
        let until = clock.now().addingTimeInterval(10)
        clock.advance(3)
        breaker.recordFailure()
        breaker.recordSuccess()
        XCTAssertEqual(breaker.state(), .open(until: until))
    }

    func testRegistryReportsRefusingUpstreams() {
        let registry = CircuitBreakerRegistry(upstreams: [Fixtures.upstream("a"), Fixtures.upstream("b")], clock: clock)
        for _ in 0..<5 { registry["a"]?.recordFailure() }
        XCTAssertEqual(registry.refusing(at: clock.now()), ["a"])
        XCTAssertEqual(registry.refusing(at: clock.now().addingTimeInterval(30)), [])
    }

    func testConcurrentFailuresOpenExactlyOnce() {
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(failureThreshold: 1000, cooldownSeconds: 10), clock: clock)
        DispatchQueue.concurrentPerform(iterations: 999) { _ in breaker.recordFailure() }
        XCTAssertEqual(breaker.state(), .closed(consecutiveFailures: 999))
        breaker.recordFailure()
        XCTAssertFalse(breaker.wouldAllow())
    }
}
