import Bench
import XCTest

/// KL divergence and quantiles against values worked out by hand.
final class QualityStatisticsTests: XCTestCase {
    func testKLDivergenceOfKnownDistributions() {
        // p = softmax(log 1, log 3) = (0.25, 0.75); q = softmax(0, 0) = (0.5, 0.5);
        // KL(p‖q) = 0.25·ln 0.5 + 0.75·ln 1.5 = 0.1308120…
        let p: [Float] = [0, Float(log(3.0))], q: [Float] = [5, 5]
        let kl = p.withUnsafeBufferPointer { a in q.withUnsafeBufferPointer { b in Quality.klDivergence(reference: a, candidate: b) } }
        XCTAssertEqual(kl, 0.25 * log(0.5) + 0.75 * log(1.5), accuracy: 1e-7)
        XCTAssertEqual(kl, 0.130812, accuracy: 1e-6)
        let same = p.withUnsafeBufferPointer { a in Quality.klDivergence(reference: a, candidate: a) }
        XCTAssertEqual(same, 0, accuracy: 1e-12)
    }

    func testLogSoftmaxOfKnownRow() {
        let row: [Float] = [1, 2, 3]
        let l = row.withUnsafeBufferPointer { Quality.logSoftmax($0) }
        // log softmax(x)_i = x_i − log(e + e² + e³) = x_i − 3.4076059…
        XCTAssertEqual(l[0], 1 - 3.4076059644, accuracy: 1e-6)
        XCTAssertEqual(l[2], 3 - 3.4076059644, accuracy: 1e-6)
    }

    func testQuantilesInterpolateBetweenRanks() {
        XCTAssertEqual(Quality.quantile([4, 1, 3, 2], 0.5), 2.5)
        XCTAssertEqual(Quality.quantile([4, 1, 3, 2], 0.99), 3.97, accuracy: 1e-12)
        XCTAssertEqual(Quality.quantile([7], 0.99), 7)
        XCTAssertTrue(Quality.quantile([], 0.5).isNaN)
    }
}
