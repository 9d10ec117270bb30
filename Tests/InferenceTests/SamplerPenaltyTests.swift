import Inference
import XCTest

/// Expected values are worked out by hand from llama.cpp's rule: a token seen `count` times in
/// the window gets `logit <= 0 ? logit * r : logit / r`, then `-= count * frequency + presence`.
/// The numbers are chosen so every step is exact in binary floating point.
final class SamplerPenaltyTests: XCTestCase {
    let logits: [Float] = [2.0, -1.0, 0.5, 3.0, 0.0]

    /// The logits after the penalty stage (the sampler leaves them in the buffer it was given).
    func penalized(_ config: SamplerConfig, history: [TokenID]) throws -> [Float] {
        var greedy = config
        greedy.temperature = 0
        var s = try Sampler(config: greedy)
        var buffer = logits
        _ = buffer.withUnsafeMutableBufferPointer { s.sample(logits: $0, history: history) }
        return buffer
    }

    func testRepetitionDividesPositiveAndMultipliesNegative() throws {
        // Ids 9 and -5 are outside the vocabulary and are ignored.
        let history: [TokenID] = [9, 0, 1, 0, 3, -5]
        let out = try penalized(SamplerConfig(repetitionPenalty: 2, penaltyLastN: -1), history: history)
        XCTAssertEqual(out, [1.0, -2.0, 0.5, 1.5, 0.0])
    }

    func testPresenceOnceFrequencyPerOccurrence() throws {
        let history: [TokenID] = [0, 1, 0, 3]
        let config = SamplerConfig(presencePenalty: 0.25, frequencyPenalty: 0.5, penaltyLastN: -1)
        // id 0 seen twice: 2 - (2 * 0.5 + 0.25); ids 1 and 3 once: x - (0.5 + 0.25).
        XCTAssertEqual(try penalized(config, history: history), [0.75, -1.75, 0.5, 2.25, 0.0])
    }

    func testAllThreeTogetherOverTheLastNTokens() throws {
        // Window of 3 over [0, 1, 0, 3, 4] is [0, 3, 4]: id 1 falls outside it.
        let history: [TokenID] = [0, 1, 0, 3, 4]
        let config = SamplerConfig(
            repetitionPenalty: 2, presencePenalty: 0.25, frequencyPenalty: 0.5, penaltyLastN: 3)
        // id 0: 2/2 - 0.75; id 3: 3/2 - 0.75; id 4: 0 * 2 - 0.75 (zero counts as non-positive).
        XCTAssertEqual(try penalized(config, history: history), [0.25, -1.0, 0.5, 0.75, -0.75])
    }

    func testWindowLongerThanHistoryUsesAllOfIt() throws {
        let config = SamplerConfig(frequencyPenalty: 1, penaltyLastN: 64)
        XCTAssertEqual(try penalized(config, history: [3, 3, 3]), [2.0, -1.0, 0.5, 0.0, 0.0])
    }

    func testDisabledPenaltiesLeaveLogitsAlone() throws {
        let history: [TokenID] = [0, 1, 2, 3, 4]
        // Window 0 switches everything off.
        let off = SamplerConfig(repetitionPenalty: 2, presencePenalty: 1, frequencyPenalty: 1, penaltyLastN: 0)
        XCTAssertEqual(try penalized(off, history: history), logits)
        // Neutral values are off even with a window.
        XCTAssertEqual(try penalized(SamplerConfig(penaltyLastN: -1), history: history), logits)
        // An empty history has nothing to penalize.
        XCTAssertEqual(try penalized(SamplerConfig(repetitionPenalty: 2, penaltyLastN: -1), history: []), logits)
    }

    func testCountsDoNotLeakBetweenSteps() throws {
        var s = try Sampler(config: SamplerConfig(temperature: 0, frequencyPenalty: 1, penaltyLastN: -1))
        var first = logits
        _ = first.withUnsafeMutableBufferPointer { s.sample(logits: $0, history: [3, 3]) }
        XCTAssertEqual(first, [2.0, -1.0, 0.5, 1.0, 0.0])
        var second = logits
        _ = second.withUnsafeMutableBufferPointer { s.sample(logits: $0, history: [0]) }
        XCTAssertEqual(second, [1.0, -1.0, 0.5, 3.0, 0.0])
    }

    func testGreedyIsArgmaxAfterPenalties() throws {
        let l: [Float] = [2.0, 1.9]
        var plain = try Sampler(config: SamplerConfig(temperature: 0, repetitionPenalty: 1.1))
        XCTAssertEqual(plain.sample(logits: l, history: [0]), 1)  // 2.0 / 1.1 < 1.9
        XCTAssertEqual(plain.sample(logits: l, history: [1]), 0)
        XCTAssertEqual(plain.sample(logits: l, history: []), 0)
    }

    func testPenaltiesFeedTheDistribution() throws {
        // Equal logits; a presence penalty of ln 3 makes the seen token 3× less likely.
        let config = SamplerConfig(
            temperature: 1, topK: 0, topP: 1, minP: 0, presencePenalty: Float(log(3.0)), penaltyLastN: -1, seed: 1)
        let d = try samplerDistribution(config, [0, 0], history: [0])
        assertDistribution(d, [0: 0.25, 1: 0.75])
    }

    /// The in-place greedy pick is offered only when nothing but the argmax would happen, and then agrees
    /// with `sample` (ties to the lowest id); with penalties, sampling or a NaN it declines.
    func testGreedyPickOnlyWhenSamplingIsTheArgmax() throws {
        var rng = SystemRandomNumberGenerator()
        let plain = try Sampler(config: SamplerConfig(temperature: 0))
        for n in [1, 7, 49152] {
            var values = (0..<n).map { _ in Float.random(in: -5...5, using: &rng) }
            if n > 3 { values[n - 2] = values.max()!; values[n - 1] = values[n - 2] }   // a tie: the first wins
            var reference = plain
            let expected = reference.sample(logits: values, history: [])
            XCTAssertEqual(values.withUnsafeBufferPointer { plain.greedyPick($0) }, expected, "n=\(n)")
        }
        let logits: [Float] = [2.0, -1.0, 0.5, 3.0, 0.0]
        let penalized = try Sampler(config: SamplerConfig(temperature: 0, repetitionPenalty: 2))
        XCTAssertNil(logits.withUnsafeBufferPointer { penalized.greedyPick($0) })
        let windowless = try Sampler(config: SamplerConfig(temperature: 0, repetitionPenalty: 2, penaltyLastN: 0))
        XCTAssertEqual(logits.withUnsafeBufferPointer { windowless.greedyPick($0) }, 3)
        let sampling = try Sampler(config: SamplerConfig(temperature: 0.7))
        XCTAssertNil(logits.withUnsafeBufferPointer { sampling.greedyPick($0) })
        XCTAssertNil([Float(1), .nan, 2].withUnsafeBufferPointer { plain.greedyPick($0) })
        XCTAssertNil([Float]().withUnsafeBufferPointer { plain.greedyPick($0) })
    }
}
