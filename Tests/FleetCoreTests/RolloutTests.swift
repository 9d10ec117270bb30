import FleetCore
import Foundation
import XCTest

/// The rollout state machine, sticky ring assignment and A/B arms.
final class RolloutTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let gates = Gates(maxErrorRate: 0.05, maxP95LatencyMs: 500, minTokensPerSecondRatio: 0.9, minSamples: 100)
    var plan: RolloutPlan {
        RolloutPlan(rings: [
            RingSpec(name: "canary", percent: 5, soakSeconds: 600, gates: gates),
            RingSpec(name: "early", percent: 25, soakSeconds: 600, gates: gates),
            RingSpec(name: "all", percent: 100, soakSeconds: 300, gates: gates),
        ])
    }
    let healthy = RingHealth(samples: 500, errorRate: 0.01, p95LatencyMs: 300, tokensPerSecond: 95)
    let baseline = RingHealth(samples: 5000, errorRate: 0.01, p95LatencyMs: 280, tokensPerSecond: 100)

    func testHealthyRingsArePromotedAfterTheirSoakTimesTo100Percent() throws {
        var state = try RolloutState.start(deploymentID: "dep-1", plan: plan, now: t0)
        XCTAssertEqual(state.percentOnNewVersion, 5)
        // Healthy but still soaking: nothing happens.
        var events: [RolloutEvent]
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 599, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(events, [])
        XCTAssertEqual(state.currentRing, 0)
        // Soaked but too few samples to judge: wait.
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 700, ringHealth: RingHealth(samples: 99, errorRate: 0, p95LatencyMs: 1, tokensPerSecond: 100), baseline: baseline)
        XCTAssertEqual(events, [])
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 700, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(events.map(\.kind), [.promoted])
        XCTAssertEqual(state.currentRing, 1)
        XCTAssertEqual(state.ringStartedAt, t0 + 700)
        XCTAssertEqual(state.percentOnNewVersion, 25)
        // The next ring soaks from its own start.
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 1299, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(events, [])
        (state, _) = RolloutEngine.evaluate(state: state, now: t0 + 1300, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(state.currentRing, 2)
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 1600, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(events.map(\.kind), [.completed])
        XCTAssertEqual(state.status, .completed)
        XCTAssertEqual(state.percentOnNewVersion, 100)
        XCTAssertTrue(state.runsNewVersion(ring: 2))
        XCTAssertEqual(state.history.map(\.kind), [.started, .promoted, .promoted, .completed])
        // A completed rollout stays completed.
        XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 9999, ringHealth: healthy, baseline: baseline).0, state)
    }

    func testAFailedGateRollsTheRingBackAndHalts() throws {
        var state = try RolloutState.start(deploymentID: "dep-1", plan: plan, now: t0)
        (state, _) = RolloutEngine.evaluate(state: state, now: t0 + 600, ringHealth: healthy, baseline: baseline)
        XCTAssertEqual(state.currentRing, 1)
        // 12% errors in ring 1, before its soak time is over: rolled back at once.
        let sick = RingHealth(samples: 400, errorRate: 0.12, p95LatencyMs: 300, tokensPerSecond: 95)
        var events: [RolloutEvent]
        (state, events) = RolloutEngine.evaluate(state: state, now: t0 + 660, ringHealth: sick, baseline: baseline)
        XCTAssertEqual(events.map(\.kind), [.gateFailed, .rolledBack, .halted])
        XCTAssertTrue(events[0].detail.contains("error rate 0.12 vs 0.05: FAIL"), events[0].detail)
        XCTAssertEqual(state.status, .halted)
        XCTAssertTrue(state.runsNewVersion(ring: 0))
        XCTAssertFalse(state.runsNewVersion(ring: 1))
        XCTAssertEqual(state.percentOnNewVersion, 5)
        // Halted stays halted, healthy figures or not; it cannot be resumed, only rolled back fully.
        XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 5000, ringHealth: healthy, baseline: baseline).0, state)
        XCTAssertThrowsError(try RolloutEngine.resume(state: state, now: t0 + 5000))
        let back = try RolloutEngine.rollback(state: state, now: t0 + 5000, reason: "operator")
        XCTAssertEqual(back.status, .rolledBack)
        XCTAssertFalse(back.runsNewVersion(ring: 0))
    }

    func testEachGateFailsOnItsOwn() throws {
        let slow = RingHealth(samples: 200, errorRate: 0, p95LatencyMs: 800, tokensPerSecond: 100)
        let sluggish = RingHealth(samples: 200, errorRate: 0, p95LatencyMs: 100, tokensPerSecond: 85)   // 0.85 of baseline
        for health in [slow, sluggish] {
            let state = try RolloutState.start(deploymentID: "d", plan: plan, now: t0)
            XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 10, ringHealth: health, baseline: baseline).0.status, .halted, "\(health)")
        }
        // Without a baseline the tokens/s gate is skipped, not failed.
        let results = RolloutEngine.checkGates(gates, health: sluggish, baseline: nil)
        XCTAssertEqual(results.map(\.passed), [true, true, nil])
    }

    func testPauseResumeAndManualRollback() throws {
        var state = try RolloutState.start(deploymentID: "dep-1", plan: plan, now: t0)
        state = try RolloutEngine.pause(state: state, now: t0 + 100, reason: "investigating")
        XCTAssertEqual(state.status, .paused)
        XCTAssertThrowsError(try RolloutEngine.pause(state: state, now: t0 + 101)) {
            XCTAssertEqual($0 as? RolloutError, .invalidTransition(from: .paused, action: "pause"))
        }
        // Paused: no promotion however long it soaks.
        XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 5000, ringHealth: healthy, baseline: baseline).1, [])
        XCTAssertTrue(state.runsNewVersion(ring: 0))
        state = try RolloutEngine.resume(state: state, now: t0 + 5000)
        XCTAssertEqual(state.status, .progressing)
        // The soak clock restarted at the resume.
        XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 5599, ringHealth: healthy, baseline: baseline).1, [])
        XCTAssertEqual(RolloutEngine.evaluate(state: state, now: t0 + 5600, ringHealth: healthy, baseline: baseline).0.currentRing, 1)
        state = try RolloutEngine.rollback(state: state, now: t0 + 5001)
        XCTAssertEqual(state.status, .rolledBack)
        XCTAssertEqual(state.percentOnNewVersion, 0)
        XCTAssertEqual(state.history.map(\.kind), [.started, .paused, .resumed, .rolledBack])
    }

    func testPlanValidation() {
        XCTAssertNoThrow(try plan.validate())
        for rings in [[], [RingSpec(name: "a", percent: 50, soakSeconds: 0, gates: gates)],
                      [RingSpec(name: "a", percent: 50, soakSeconds: 0, gates: gates), RingSpec(name: "b", percent: 40, soakSeconds: 0, gates: gates)],
                      [RingSpec(name: "a", percent: 100, soakSeconds: -1, gates: gates)],
                      [RingSpec(name: "a", percent: 100, soakSeconds: 0, gates: Gates(maxErrorRate: 2))]] {
            XCTAssertThrowsError(try RolloutPlan(rings: rings).validate(), "\(rings)")
        }
    }

    func testRingAssignmentIsStickyAndProportional() {
        // Reference rings from Python: sha256("dep-1\0" + id)[:8] big-endian >> 11, / 2^53 × 100.
        let expected = ["device-0007": 0, "device-0009": 0, "device-0005": 1, "device-0001": 1, "device-0016": 2, "device-0002": 2]
        for (id, ring) in expected {
            XCTAssertEqual(RingAssignment.ring(forDevice: id, deploymentID: "dep-1", plan: plan), ring, id)
        }
        var counts = [0, 0, 0]
        for i in 0..<10_000 {
            counts[RingAssignment.ring(forDevice: "device-\(i)", deploymentID: "dep-1", plan: plan)!] += 1
        }
        // Expected 500 / 2000 / 7500; a binomial's standard deviation is at most 50 here, allow 4σ.
        XCTAssertEqual(Double(counts[0]), 500, accuracy: 4 * 22)
        XCTAssertEqual(Double(counts[1]), 2000, accuracy: 4 * 40)
        XCTAssertEqual(Double(counts[2]), 7500, accuracy: 4 * 44)
        // A plan stopping at 50% leaves the rest out.
        let half = RolloutPlan(rings: [RingSpec(name: "half", percent: 50, soakSeconds: 0, gates: gates)])
        XCTAssertEqual(RingAssignment.ring(forDevice: "device-0001", deploymentID: "dep-1", plan: half), 0)   // 18.57
        XCTAssertNil(RingAssignment.ring(forDevice: "device-0002", deploymentID: "dep-1", plan: half))        // 86.89
    }

    func testExperimentArmsAreStickyAndSplitByPercentage() {
        let experiment = Experiment(id: "exp-1", modelName: "assistant", versionA: "1.0", versionB: "1.1", percentB: 20)
        // Reference buckets from Python: sha256("experiment\0exp-1\0" + id).
        XCTAssertEqual(experiment.arm(forDevice: "device-0020"), .b)   // 1.34
        XCTAssertEqual(experiment.arm(forDevice: "device-0009"), .b)   // 19.07
        XCTAssertEqual(experiment.arm(forDevice: "device-0001"), .a)   // 53.46
        XCTAssertEqual(experiment.arm(forDevice: "device-0016"), .a)   // 42.02
        var inB = 0
        var wider = Experiment(id: "exp-1", modelName: "assistant", versionA: "1.0", versionB: "1.1", percentB: 30)
        for i in 0..<10_000 {
            let id = "device-\(i)"
            let arm = experiment.arm(forDevice: id)
            if arm == .b {
                inB += 1
                // Widening B keeps every B device in B.
                XCTAssertEqual(wider.arm(forDevice: id), .b)
            }
            XCTAssertEqual(arm, experiment.arm(forDevice: id))
        }
        XCTAssertEqual(Double(inB), 2000, accuracy: 160)
        wider.percentB = 0
        XCTAssertEqual(wider.arm(forDevice: "device-0020"), .a)
        XCTAssertThrowsError(try Experiment(id: "x", modelName: "m", versionA: "1", versionB: "1", percentB: 50).validate())
    }
}
