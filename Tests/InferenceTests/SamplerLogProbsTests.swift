import Inference
import XCTest

final class SamplerLogProbsTests: XCTestCase {
    /// Log-softmax in double precision, straight from the definition.
    func reference(_ l: [Float]) -> [Double] {
        let finite = l.map { $0.isNaN ? -Double.infinity : Double($0) }
        let m = finite.max()!
        let logZ = m + log(finite.reduce(0.0) { $0 + exp($1 - m) })
        return finite.map { $0 - logZ }
    }

    func randomLogits(_ n: Int, seed: UInt64, quantum: Double? = nil) -> [Float] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<n).map { _ in
            let x = rng.nextUnitDouble() * 60 - 30
            return Float(quantum.map { ($0 * (x / $0).rounded()) } ?? x)
        }
    }

    /// The sampler's own exponential against the double-precision one over its whole range.
    func testPortableExpMatchesDoubleExp() {
        var worst = 0.0
        var x: Float = 0
        while x > -87 {
            let exact = exp(Double(x))
            worst = max(worst, abs(Double(portableExpNonPositive(x)) - exact) / exact)
            x -= 0.000_731
        }
        XCTAssertLessThan(worst, 2.5e-7)  // about 2 ulp
        XCTAssertEqual(portableExpNonPositive(0), 1)
        XCTAssertEqual(portableExpNonPositive(-Float.infinity), 0)
        XCTAssertEqual(portableExpNonPositive(-1000), 0)
        XCTAssertEqual(portableExpNonPositive(-.greatestFiniteMagnitude), 0)
        XCTAssertEqual(Double(portableExpNonPositive(-1e-30)), 1, accuracy: 1e-7)
    }

    func testHandComputedValues() {
        let l: [Float] = [0, 0]
        let out = l.withUnsafeBufferPointer { LogProbs.logSoftmax($0) }
        XCTAssertEqual(out[0], -Float(log(2.0)), accuracy: 1e-7)
        XCTAssertEqual(out[1], -Float(log(2.0)), accuracy: 1e-7)
        // Probabilities 0.5, 0.25, 0.25 given as unnormalized logits (shift by 10).
        let l2: [Float] = [10 + Float(log(0.5)), 10 + Float(log(0.25)), 10 + Float(log(0.25))]
        let out2 = l2.withUnsafeBufferPointer { LogProbs.logSoftmax($0) }
        XCTAssertEqual(out2[0], Float(log(0.5)), accuracy: 1e-6)
        XCTAssertEqual(out2[1], Float(log(0.25)), accuracy: 1e-6)
    }

    func testLogSoftmaxMatchesDoublePrecisionReference() {
        var l = randomLogits(262_144, seed: 3)
        l[10] = -.infinity
        l[20] = .nan
        let out = l.withUnsafeBufferPointer { LogProbs.logSoftmax($0) }
        let ref = reference(l)
        XCTAssertEqual(out.count, l.count)
        var worst = 0.0
        for i in l.indices where ref[i].isFinite {
            worst = max(worst, abs(Double(out[i]) - ref[i]))
        }
        XCTAssertLessThan(worst, 2e-5)
        XCTAssertEqual(out[10], -.infinity)
        XCTAssertEqual(out[20], -.infinity)
        let mass = out.reduce(0.0) { $0 + exp(Double($1)) }
        XCTAssertEqual(mass, 1, accuracy: 1e-4)
    }

    func testDegenerateInputs() {
        XCTAssertEqual([Float]().withUnsafeBufferPointer { LogProbs.logSoftmax($0) }, [])
        let dead: [Float] = [-.infinity, .nan]
        XCTAssertEqual(dead.withUnsafeBufferPointer { LogProbs.logSoftmax($0) }, [-.infinity, -.infinity])
        let top = dead.withUnsafeBufferPointer { LogProbs.top($0, k: 1) }
        XCTAssertEqual(top.map(\.id), [0])
        XCTAssertEqual(top.map(\.logprob), [-.infinity])
        XCTAssertTrue([Float]().withUnsafeBufferPointer { LogProbs.top($0, k: 5) }.isEmpty)
        XCTAssertTrue([Float(1), 2].withUnsafeBufferPointer { LogProbs.top($0, k: 0) }.isEmpty)
    }

    func testTopMatchesFullSort() {
        // Quantized so that many logits tie; ties must come out lowest id first.
        let n = 100_000
        let l = randomLogits(n, seed: 8, quantum: 0.5)
        let ref = reference(l)
        let order = (0..<n).sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }
        for k in [1, 5, 40, 1000, n, n + 5] {
            let top = l.withUnsafeBufferPointer { LogProbs.top($0, k: k) }
            XCTAssertEqual(top.map { Int($0.id) }, Array(order.prefix(k)), "k = \(k)")
            for entry in top.prefix(50) {
                XCTAssertEqual(Double(entry.logprob), ref[Int(entry.id)], accuracy: 2e-5)
            }
        }
    }

    func testTopTreatsNaNAsNegativeInfinity() {
        let l: [Float] = [.nan, 1, .nan, 3, 2]
        let top = l.withUnsafeBufferPointer { LogProbs.top($0, k: 4) }
        XCTAssertEqual(top.map(\.id), [3, 4, 1, 0])
        XCTAssertEqual(top[3].logprob, -.infinity)
    }
}
