import FleetCore
import Foundation
import XCTest

/// Telemetry records: validation, aggregation, quantiles from the fixed buckets, arm comparison.
final class TelemetryTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// `fast` requests in the (10, 25] ms bucket and `slow` in (100, 150].
    func record(fast: Int, slow: Int, errors: Int = 0, completionTokens: Int = 1000, latencyMsSum: Double = 20_000) -> IntervalRecord {
        var buckets = [Int](repeating: 0, count: LatencyBuckets.count)
        buckets[LatencyBuckets.index(ofMs: 20)] = fast
        buckets[LatencyBuckets.index(ofMs: 120)] = slow
        return IntervalRecord(start: t0, end: t0 + 60, modelName: "assistant", modelVersion: "1.0", requests: fast + slow, errors: errors,
                              fallbacks: 1, promptTokens: 5000, completionTokens: completionTokens, latencyMsSum: latencyMsSum,
                              latencyMsBuckets: buckets, ttftMsSum: 900, peakMemoryBytes: 300 << 20)
    }

    func testQuantilesInterpolateInsideTheBucket() {
        var counts = [Int](repeating: 0, count: LatencyBuckets.count)
        counts[2] = 90    // (10, 25]
        counts[6] = 10    // (100, 150]
        // p95: rank 95 is the 5th of 10 in (100, 150] → 100 + 50 × 5/10.
        XCTAssertEqual(LatencyBuckets.quantile(0.95, counts: counts)!, 125, accuracy: 1e-9)
        // p50: rank 50 is the 50th of 90 in (10, 25] → 10 + 15 × 50/90.
        XCTAssertEqual(LatencyBuckets.quantile(0.5, counts: counts)!, 10 + 15 * 50.0 / 90, accuracy: 1e-9)
        counts[LatencyBuckets.count - 1] = 1000
        XCTAssertEqual(LatencyBuckets.quantile(0.95, counts: counts), 30_000)
        XCTAssertNil(LatencyBuckets.quantile(0.95, counts: [1, 2]))
        XCTAssertNil(LatencyBuckets.quantile(0.95, counts: [Int](repeating: 0, count: LatencyBuckets.count)))
        XCTAssertEqual(LatencyBuckets.index(ofMs: 10), 1)
        XCTAssertEqual(LatencyBuckets.index(ofMs: 10.5), 2)
    }

    func testAggregateAndHealth() throws {
        let a = record(fast: 60, slow: 0, errors: 3)
        let b = record(fast: 30, slow: 10, errors: 2)
        try a.validate()
        try TelemetryBatch(deviceID: "device-1", idempotencyKey: "k1", records: [a, b]).validate()
        let total = TelemetryAggregate(records: [a, b])
        XCTAssertEqual(total.requests, 100)
        XCTAssertEqual(total.errorRate, 0.05)
        XCTAssertEqual(total.fallbackRate, 0.02)
        XCTAssertEqual(total.p95LatencyMs, 125, accuracy: 1e-9)
        // 2000 completion tokens over 40 s of request time.
        XCTAssertEqual(total.tokensPerSecond, 50)
        XCTAssertEqual(total.ringHealth, RingHealth(samples: 100, errorRate: 0.05, p95LatencyMs: total.p95LatencyMs, tokensPerSecond: 50))
        var merged = TelemetryAggregate(records: [a])
        merged.merge(TelemetryAggregate(records: [b]))
        XCTAssertEqual(merged, total)

        let experiment = Experiment(id: "e", modelName: "assistant", versionA: "1.0", versionB: "1.1", percentB: 50)
        let faster = TelemetryAggregate(records: [record(fast: 50, slow: 0, completionTokens: 1100)])
        let comparison = ArmComparison(experiment: experiment, a: TelemetryAggregate(records: [a]), b: faster)
        XCTAssertEqual(comparison.a.samples, 60)
        XCTAssertEqual(comparison.b.version, "1.1")
        XCTAssertEqual(comparison.tokensPerSecondRatio!, 1.1, accuracy: 1e-12)
    }

    func testBadRecordsAreRejectedWithTheField() {
        var r = record(fast: 10, slow: 0)
        r.errors = 11
        XCTAssertThrowsError(try r.validate()) { XCTAssertTrue("\($0)".contains("errors"), "\($0)") }
        r = record(fast: 10, slow: 0)
        r.latencyMsBuckets = [10]
        XCTAssertThrowsError(try r.validate()) { XCTAssertTrue("\($0)".contains("latencyMsBuckets"), "\($0)") }
        r = record(fast: 10, slow: 0)
        r.requests = 11
        XCTAssertThrowsError(try r.validate())
        r = record(fast: 10, slow: 0)
        r.end = r.start
        XCTAssertThrowsError(try r.validate())
        r = record(fast: 10, slow: 0)
        r.latencyMsSum = .nan
        XCTAssertThrowsError(try r.validate())
        XCTAssertThrowsError(try TelemetryBatch(deviceID: "d", idempotencyKey: "", records: []).validate())
        var bad = record(fast: 1, slow: 0)
        bad.promptTokens = -1
        XCTAssertThrowsError(try TelemetryBatch(deviceID: "d", idempotencyKey: "k", records: [record(fast: 1, slow: 0), bad]).validate()) {
            XCTAssertEqual($0 as? FleetInputError, .invalid(field: "records[1].promptTokens", reason: "must be 0…1000000000, got -1"))
        }
    }
}
