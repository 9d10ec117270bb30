import Foundation

/// Picks the next token from a model's logits; kept apart from the model so the runtime, the
/// server and the tests share one chain.
///
/// One step runs, in llama.cpp's common default order:
/// 1. penalties (repetition, presence, frequency) over the last `penaltyLastN` history tokens;
/// 2. clean-up: NaN logits become -inf, +inf becomes the largest finite value;
/// 3. greedy shortcut when `temperature == 0`: the highest logit, ties to the lowest id;
/// 4. top-k, 5. top-p, 6. min-p — all judged on temperature-1 probabilities;
/// 7. temperature; 8. a draw from what is left, using the sampler's own xoshiro256** generator.
///
/// The same seed and settings give the same tokens on every run. The random stream is
/// platform-independent; the draw also depends on `expf`, so bit-identical choices across
/// different C libraries are likely but not guaranteed at exact probability boundaries.
///
/// Buffers are reused between steps: after the first step a draw allocates nothing except when
/// the `[Float]` overload copies its argument.
public struct Sampler: Sendable {
    /// The validated settings in use.
    public let config: SamplerConfig
    /// The seed actually used: `config.seed`, or the random one picked when that was `nil`.
    public let seed: UInt64

    private var rng: Xoshiro256StarStar
    private var penalties = PenaltyWindow()
    private var candidates: [Candidate] = []  // (kept tokens) best first, or by id when unranked
    private var weights: [Float] = []  // (kept tokens) unnormalized probabilities for the draw

    /// Validates `config` and seeds the generator (from the system's generator only when
    /// `config.seed` is `nil`).
    public init(config: SamplerConfig) throws(SamplerError) {
        self.config = try config.validated()
        if let seed = config.seed {
            self.seed = seed
        } else {
            var system = SystemRandomNumberGenerator()
            self.seed = system.next()
        }
        rng = Xoshiro256StarStar(seed: seed)
    }

    /// Picks the next token from raw logits (length = vocabulary size). `history` = all tokens
    /// so far (prompt + generated), used by penalties.
    ///
    /// The buffer is used as scratch: on return it holds the penalized logits with NaN replaced
    /// by -inf and +inf by the largest finite value (the filters and temperature do not write to
    /// it). Take log-probabilities before calling if the raw values are needed. An empty buffer
    /// has no token to pick and yields 0; if every logit is -inf the lowest id, 0, is returned.
    public mutating func sample(logits: UnsafeMutableBufferPointer<Float>, history: [TokenID]) -> TokenID {
        guard !logits.isEmpty else { return 0 }
        prepare(logits, history: history)
        if config.temperature == 0 { return Self.argmax(UnsafeBufferPointer(logits)) }
        filter(UnsafeBufferPointer(logits))
        return draw()
    }

    /// Same as the buffer version, on a copy of `logits` (one allocation per call).
    public mutating func sample(logits: [Float], history: [TokenID]) -> TokenID {
        var scratch = logits
        return scratch.withUnsafeMutableBufferPointer { sample(logits: $0, history: history) }
    }

    /// The distribution the draw would use for these logits: kept tokens with probabilities
    /// summing to 1, best first when a ranking stage ran, otherwise by id. Consumes no
    /// randomness. Exposed so the filters can be checked against hand-computed distributions.
    package mutating func distribution(
        logits: UnsafeMutableBufferPointer<Float>, history: [TokenID]
    ) -> [(id: TokenID, probability: Double)] {
        guard !logits.isEmpty else { return [] }
        prepare(logits, history: history)
        if config.temperature == 0 { return [(Self.argmax(UnsafeBufferPointer(logits)), 1)] }
        filter(UnsafeBufferPointer(logits))
        let total = computeWeights()
        guard total > 0 else { return [(candidates[0].id, 1)] }
        return zip(candidates, weights).compactMap { c, w in w > 0 ? (c.id, Double(w) / total) : nil }
    }

    // MARK: - Steps

    /// Penalties first, clean-up second: a penalty can itself overflow (a huge logit divided by
    /// a repetition penalty below 1) or meet a NaN, and the clean-up catches both.
    private mutating func prepare(_ logits: UnsafeMutableBufferPointer<Float>, history: [TokenID]) {
        penalties.apply(config, history: history, to: logits)
        for i in logits.indices { logits[i] = sanitizedLogit(logits[i]) }
    }

    /// Highest logit, lowest id among equals (strict `>` keeps the first); 0 if all are -inf.
    private static func argmax(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        var best = 0
        var bestLogit = logits[0]
        for i in 1..<logits.count where logits[i] > bestLogit {
            best = i
            bestLogit = logits[i]
        }
        return TokenID(truncatingIfNeeded: best)
    }

    /// Runs top-k, top-p and min-p, leaving the survivors in `candidates`. Each stage keeps the
    /// top-ranked token, so the global maximum stays the reference for min-p and temperature.
    private mutating func filter(_ logits: UnsafeBufferPointer<Float>) {
        let n = logits.count
        var ranked = false  // true once `candidates` holds a best-first prefix instead of "all"
        if config.topK > 0 && config.topK < n {
            TopSelection.select(logits, k: config.topK, into: &candidates)
            ranked = true
        }
        let maxLogit = ranked ? candidates[0].logit : Self.maxLogit(logits)
        guard maxLogit > -.infinity else {
            // No token has any probability; fall back to the greedy rule (lowest id).
            candidates.removeAll(keepingCapacity: true)
            candidates.append(Candidate(id: 0, logit: -.infinity))
            return
        }
        if config.topP < 1 {
            if ranked {
                candidates.removeSubrange(nucleusCount(maxLogit: maxLogit)...)
            } else {
                nucleusFromVocabulary(logits, maxLogit: maxLogit)
                ranked = true
            }
        }
        if config.minP > 0 {
            // p_i >= minP * p_max  ⇔  logit_i >= maxLogit + log(minP), as llama.cpp compares.
            let threshold = maxLogit + logf(config.minP)
            if ranked {
                let keep = candidates.firstIndex { $0.logit < threshold } ?? candidates.count
                candidates.removeSubrange(max(keep, 1)...)
            } else {
                candidates.removeAll(keepingCapacity: true)
                for i in 0..<n where logits[i] >= threshold {
                    candidates.append(Candidate(id: TokenID(truncatingIfNeeded: i), logit: logits[i]))
                }
                ranked = true  // a list (by id) now exists
            }
        }
        if !ranked {
            candidates.removeAll(keepingCapacity: true)
            for i in 0..<n { candidates.append(Candidate(id: TokenID(truncatingIfNeeded: i), logit: logits[i])) }
        }
    }

    private static func maxLogit(_ logits: UnsafeBufferPointer<Float>) -> Float {
        var m = -Float.infinity
        for x in logits where x > m { m = x }
        return m
    }

    /// Length of the shortest best-first prefix of `candidates` whose temperature-1 probability
    /// (normalized over `candidates`) reaches `topP`; at least 1.
    private func nucleusCount(maxLogit: Float) -> Int {
        var total = 0.0
        for c in candidates { total += Double(expf(c.logit - maxLogit)) }
        return Self.prefixReaching(config.topP, of: total, in: candidates[...], maxLogit: maxLogit)
            ?? candidates.count
    }

    /// Top-p over the whole vocabulary without sorting it: select a best-first prefix of growing
    /// size until it holds `topP` of the probability mass (usually the first, small selection).
    private mutating func nucleusFromVocabulary(_ logits: UnsafeBufferPointer<Float>, maxLogit: Float) {
        var total = 0.0
        for x in logits { total += Double(expf(x - maxLogit)) }
        var k = min(logits.count, 256)
        while true {
            TopSelection.select(logits, k: k, into: &candidates)
            if let keep = Self.prefixReaching(config.topP, of: total, in: candidates[...], maxLogit: maxLogit) {
                candidates.removeSubrange(keep...)
                return
            }
            if k == logits.count { return }  // rounding left the sum just short of p: keep all
            k = min(logits.count, k * 8)
        }
    }

    /// The first prefix length whose mass reaches `p * total`, or nil if the slice falls short.
    private static func prefixReaching(
        _ p: Float, of total: Double, in ranked: ArraySlice<Candidate>, maxLogit: Float
    ) -> Int? {
        let target = Double(p) * total
        var cumulative = 0.0
        for (offset, c) in ranked.enumerated() {
            cumulative += Double(expf(c.logit - maxLogit))
            if cumulative >= target { return offset + 1 }
        }
        return nil
    }

    /// Fills `weights` with exp((logit - max) / temperature) per candidate; returns their sum.
    private mutating func computeWeights() -> Double {
        let maxLogit = candidates.reduce(-Float.infinity) { max($0, $1.logit) }
        let t = config.temperature
        weights.removeAll(keepingCapacity: true)
        var total = 0.0
        for c in candidates {
            let w = maxLogit > -.infinity ? expf((c.logit - maxLogit) / t) : 0
            weights.append(w)
            total += Double(w)
        }
        return total
    }

    /// Inverse-CDF draw over `candidates` in their current order. The running sum repeats the
    /// additions that produced `total` in the same order, so it reaches `total` exactly and
    /// some token with non-zero weight is always crossed.
    private mutating func draw() -> TokenID {
        let total = computeWeights()
        guard total > 0 else { return candidates[0].id }
        let u = rng.nextUnitDouble() * total
        var cumulative = 0.0
        for (c, w) in zip(candidates, weights) {
            cumulative += Double(w)
            if cumulative > u { return c.id }
        }
        return candidates[candidates.count - 1].id  // unreachable: u < total
    }
}
