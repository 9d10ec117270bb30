import Inference
import XCTest

/// The distribution a sampler with `config` would draw from, as id → probability.
func samplerDistribution(
    _ config: SamplerConfig, _ logits: [Float], history: [TokenID] = []
) throws -> [TokenID: Double] {
    var sampler = try Sampler(config: config)
    var scratch = logits
    let pairs = scratch.withUnsafeMutableBufferPointer { sampler.distribution(logits: $0, history: history) }
    return Dictionary(uniqueKeysWithValues: pairs.map { ($0.id, $0.probability) })
}

/// Only the stages named are on; temperature 1 unless given.
func onlyStages(
    temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0
) -> SamplerConfig {
    SamplerConfig(temperature: temperature, topK: topK, topP: topP, minP: minP, penaltyLastN: 0, seed: 1)
}

func assertDistribution(
    _ actual: [TokenID: Double], _ expected: [TokenID: Double], accuracy: Double = 1e-5,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(Set(actual.keys), Set(expected.keys), "kept tokens", file: file, line: line)
    for (id, p) in expected {
        XCTAssertEqual(actual[id] ?? -1, p, accuracy: accuracy, "token \(id)", file: file, line: line)
    }
}

final class SamplerFilterTests: XCTestCase {
    // Probabilities 0.1, 0.4, 0.2, 0.3 for ids 0...3; ranking 1, 3, 2, 0.
    let probs: [Double] = [0.1, 0.4, 0.2, 0.3]
    var logits: [Float] { probs.map { Float(log($0)) } }

    // MARK: greedy

    func testGreedyPicksArgmax() throws {
        var s = try Sampler(config: .greedy)
        XCTAssertEqual(s.sample(logits: logits, history: []), 1)
        XCTAssertEqual(s.sample(logits: [-3, 7.5, 2, 7.4, -1e30], history: []), 1)
        XCTAssertEqual(s.sample(logits: [0.5], history: []), 0)
    }

    func testGreedyTiesGoToLowestId() throws {
        var s = try Sampler(config: .greedy)
        XCTAssertEqual(s.sample(logits: [1, 5, 2, 5, 5], history: []), 1)
    }

    func testGreedyIgnoresNaNAndHandlesInfinities() throws {
        var s = try Sampler(config: .greedy)
        XCTAssertEqual(s.sample(logits: [.nan, 1, .nan, 3, 2], history: []), 3)
        XCTAssertEqual(s.sample(logits: [.nan, .nan], history: []), 0)
        XCTAssertEqual(s.sample(logits: [-.infinity, -.infinity, -.infinity], history: []), 0)
        XCTAssertEqual(s.sample(logits: [1, .infinity, 2], history: []), 1)
        XCTAssertEqual(s.sample(logits: [], history: []), 0)
    }

    func testTemperatureZeroIgnoresFiltersAndSeed() throws {
        for seed: UInt64 in [1, 2, 3] {
            var s = try Sampler(config: SamplerConfig(temperature: 0, topK: 3, topP: 0.5, minP: 0.5, seed: seed))
            for _ in 0..<20 { XCTAssertEqual(s.sample(logits: logits, history: []), 1) }
        }
    }

    // MARK: top-k

    func testTopKKeepsTheKMostLikely() throws {
        assertDistribution(try samplerDistribution(onlyStages(topK: 1), logits), [1: 1])
        assertDistribution(try samplerDistribution(onlyStages(topK: 2), logits), [1: 0.4 / 0.7, 3: 0.3 / 0.7])
        assertDistribution(
            try samplerDistribution(onlyStages(topK: 3), logits), [1: 0.4 / 0.9, 3: 0.3 / 0.9, 2: 0.2 / 0.9])
        // k at or beyond the vocabulary keeps everything.
        let all: [TokenID: Double] = [0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3]
        assertDistribution(try samplerDistribution(onlyStages(topK: 4), logits), all)
        assertDistribution(try samplerDistribution(onlyStages(topK: 100), logits), all)
    }

    func testTopKCutsTiesByLowestId() throws {
        // Four tokens tie for second place; k = 3 keeps the best and the two lowest-id ties.
        let l: [Float] = [0, 2, 1, 1, 1, 1]
        let d = try samplerDistribution(onlyStages(topK: 3), l)
        XCTAssertEqual(Set(d.keys), [1, 2, 3])
    }

    func testTopKMatchesFullSortOnLargeVocabulary() throws {
        var rng = Xoshiro256StarStar(seed: 7)
        // Quantized to quarters so that ties exist, including across the cut.
        let n = 50_000
        let l: [Float] = (0..<n).map { _ in Float(Int(rng.nextUnitDouble() * 80)) / 4 - 10 }
        let reference = (0..<n).sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }
        for k in [1, 40, 1000] {
            let kept = Array(reference.prefix(k))
            let m = Double(l[kept[0]])
            let z = kept.reduce(0.0) { $0 + exp(Double(l[$1]) - m) }
            var expected: [TokenID: Double] = [:]
            for i in kept { expected[TokenID(i)] = exp(Double(l[i]) - m) / z }
            assertDistribution(try samplerDistribution(onlyStages(topK: k), l), expected)
        }
    }

    // MARK: top-p

    func testTopPKeepsSmallestPrefixReachingP() throws {
        // Cumulative in rank order: 0.4, 0.7, 0.9, 1.0.
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.35), logits), [1: 1])
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.65), logits), [1: 0.4 / 0.7, 3: 0.3 / 0.7])
        assertDistribution(
            try samplerDistribution(onlyStages(topP: 0.75), logits), [1: 0.4 / 0.9, 3: 0.3 / 0.9, 2: 0.2 / 0.9])
        assertDistribution(
            try samplerDistribution(onlyStages(topP: 0.95), logits), [0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3])
    }

    func testTopPRunsOnWhatTopKKept() throws {
        // After top-k 2 the best token alone holds 4/7 ≈ 0.571 ≥ 0.55; over the full vocabulary
        // it would hold only 0.4 and two tokens would be needed.
        assertDistribution(try samplerDistribution(onlyStages(topK: 2, topP: 0.55), logits), [1: 1])
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.55), logits), [1: 0.4 / 0.7, 3: 0.3 / 0.7])
    }

    func testTopPOverLargeFlatVocabularyMatchesFullSort() throws {
        // Flat enough that the nucleus holds tens of thousands of tokens, far beyond a first
        // small selection.
        var rng = Xoshiro256StarStar(seed: 11)
        let n = 60_000
        let l: [Float] = (0..<n).map { _ in Float(rng.nextUnitDouble() * 3) }
        let order = (0..<n).sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }
        let m = Double(l[order[0]])
        let total = l.reduce(0.0) { $0 + exp(Double($1) - m) }
        var cumulative = 0.0
        var keep = 0
        for i in order {
            cumulative += exp(Double(l[i]) - m) / total
            keep += 1
            if cumulative >= 0.9 { break }
        }
        XCTAssertGreaterThan(keep, 10_000)
        let kept = order.prefix(keep)
        let z = kept.reduce(0.0) { $0 + exp(Double(l[$1]) - m) }
        var expected: [TokenID: Double] = [:]
        for i in kept { expected[TokenID(i)] = exp(Double(l[i]) - m) / z }
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.9), l), expected, accuracy: 1e-8)
    }

    func testTopPCutsTiesByLowestId() throws {
        // Masses e^5, 4 × e^3, 2 × e, 1 and two negligible tails (50 and 100 below the rest).
        // Cumulative: e^5 / Z ≈ 0.631, one e^3 more ≈ 0.716, two ≈ 0.802 ≥ 0.75: the cut falls
        // inside the tie, which keeps its two lowest ids.
        let l: [Float] = [5, 3, 3, 3, 3, 1, 1, 0, -50, -100]
        let w = [exp(5.0), exp(3.0), exp(3.0)]
        let z = w.reduce(0, +)
        let expected: [TokenID: Double] = [0: w[0] / z, 1: w[1] / z, 2: w[2] / z]
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.75), l), expected)
        assertDistribution(try samplerDistribution(onlyStages(topK: 9, topP: 0.75), l), expected)
    }

    func testTopPWithMostOfTheMassFarBelowTheTop() throws {
        // One token 40 logits above 200,000 equal ones: the top token holds
        // 1 / (1 + 200000 e^-40) ≈ 1 - 8.5e-13 of the mass, so top-p 0.5 keeps it alone; the
        // tail (far beyond the top buckets) only matters when nothing above reaches p.
        var l = [Float](repeating: -40, count: 200_001)
        l[123] = 0
        assertDistribution(try samplerDistribution(onlyStages(topP: 0.5), l), [123: 1])
        // Equal logits: the cut of a flat distribution keeps the lowest ids. (0.0995, not 0.1:
        // Float(0.1) is slightly above 0.1, so 100 of 1000 would fall just short.)
        let flat = [Float](repeating: 1, count: 1000)
        let d = try samplerDistribution(onlyStages(topP: 0.0995), flat)
        XCTAssertEqual(Set(d.keys), Set((0..<100).map { TokenID($0) }))
    }

    // MARK: min-p

    func testMinPIsRelativeToTheMostLikelyToken() throws {
        // p_max = 0.4. minP 0.6 → threshold 0.24 keeps 0.4, 0.3; minP 0.45 → 0.18 also keeps 0.2.
        assertDistribution(try samplerDistribution(onlyStages(minP: 0.6), logits), [1: 0.4 / 0.7, 3: 0.3 / 0.7])
        assertDistribution(
            try samplerDistribution(onlyStages(minP: 0.45), logits), [1: 0.4 / 0.9, 3: 0.3 / 0.9, 2: 0.2 / 0.9])
        assertDistribution(
            try samplerDistribution(onlyStages(minP: 0.2), logits), [0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3])
        assertDistribution(try samplerDistribution(onlyStages(minP: 1), logits), [1: 1])
    }

    func testMinPAfterTopK() throws {
        assertDistribution(
            try samplerDistribution(onlyStages(topK: 3, minP: 0.6), logits), [1: 0.4 / 0.7, 3: 0.3 / 0.7])
    }

    // MARK: temperature

    func testTemperatureScalesLogits() throws {
        // p_i ∝ p_i^(1/T).
        for t: Double in [0.5, 1, 2, 3.5] {
            let w = probs.map { pow($0, 1 / t) }
            let z = w.reduce(0, +)
            var expected: [TokenID: Double] = [:]
            for (i, wi) in w.enumerated() { expected[TokenID(i)] = wi / z }
            assertDistribution(try samplerDistribution(onlyStages(temperature: Float(t)), logits), expected)
        }
    }

    func testFiltersJudgeTemperatureOneProbabilities() throws {
        // At T = 5 the flattened probabilities would let all four tokens through min-p 0.6 and
        // need three for top-p 0.65; the chain filters first, so only ids 1 and 3 remain and
        // temperature then reshapes them.
        let w1 = pow(0.4, 0.2), w3 = pow(0.3, 0.2)
        let expected: [TokenID: Double] = [1: w1 / (w1 + w3), 3: w3 / (w1 + w3)]
        assertDistribution(try samplerDistribution(onlyStages(temperature: 5, minP: 0.6), logits), expected)
        assertDistribution(try samplerDistribution(onlyStages(temperature: 5, topP: 0.65), logits), expected)
    }

    func testNaNAndNegativeInfinityNeverSampled() throws {
        let l: [Float] = [.nan, 0, -.infinity, 0, .nan]
        assertDistribution(try samplerDistribution(onlyStages(), l), [1: 0.5, 3: 0.5])
        assertDistribution(try samplerDistribution(onlyStages(topK: 4), l), [1: 0.5, 3: 0.5])
        var s = try Sampler(config: onlyStages())
        for _ in 0..<500 {
            let t = s.sample(logits: l, history: [])
            XCTAssertTrue(t == 1 || t == 3, "sampled \(t)")
        }
        var allDead = try Sampler(config: SamplerConfig(seed: 3))
        XCTAssertEqual(allDead.sample(logits: [-.infinity, .nan, -.infinity], history: []), 0)
    }

    func testDefaultChainOnGemmaSizedVocabularyStaysInTopK() throws {
        var rng = Xoshiro256StarStar(seed: 5)
        let n = 262_144
        var l: [Float] = (0..<n).map { _ in Float(rng.nextUnitDouble() * 20 - 10) }
        let top40 = Set((0..<n).sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }.prefix(40))
        var s = try Sampler(config: SamplerConfig(seed: 9))
        let start = Date()
        for _ in 0..<50 {
            let t = l.withUnsafeMutableBufferPointer { s.sample(logits: $0, history: [1, 2, 3]) }
            XCTAssertTrue(top40.contains(Int(t)))
        }
        let perStep = Date().timeIntervalSince(start) / 50
        // Measured with wall-clock time over 50 steps on the test machine (release build); the
        // bound is loose because the machine is shared.
        XCTAssertLessThan(perStep, 0.05, "default chain took \(perStep * 1000) ms per step")
    }
}
