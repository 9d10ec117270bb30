import CKernels

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
/// The same seed and settings give the same tokens on every run and platform: the random
/// stream is integer arithmetic and the probabilities use `portableExpNonPositive` rather than
/// the C library's `expf`, so no step depends on platform-specific rounding.
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
    private var candidates: [Candidate] = []  // (kept tokens) in a deterministic order
    private var weights: [Float] = []  // (kept tokens) unnormalized probabilities for the draw
    private var bucketMass: [Double] = []  // (nucleusBuckets) probability mass per top-p bucket
    private var boundary: [Candidate] = []  // (tokens of the top-p crossing bucket)

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
        if config.temperature == 0 {
            // Greedy: one vector pass finds the pick when no logit needs cleaning (the usual case);
            // otherwise clean them up and take the scalar rule.
            penalties.apply(config, history: history, to: logits)
            let best = ok_argmax_f32(logits.baseAddress, Int64(logits.count))
            if best >= 0 { return TokenID(truncatingIfNeeded: best) }
            Self.sanitize(logits)
            return Self.argmax(UnsafeBufferPointer(logits))
        }
        prepare(logits, history: history)
        filter(UnsafeBufferPointer(logits))
        return draw()
    }

    /// The greedy pick read straight from `logits`, without the scratch copy `sample` needs, when that
    /// is the whole of sampling: temperature 0, no penalty, and no NaN or +inf to clean up. Otherwise nil
    /// (use `sample`). Equal to what `sample` returns in those cases: one vector argmax, lowest id on ties.
    public func greedyPick(_ logits: UnsafeBufferPointer<Float>) -> TokenID? {
        guard config.temperature == 0, !config.appliesPenalties, !logits.isEmpty else { return nil }
        let best = ok_argmax_f32(logits.baseAddress, Int64(logits.count))
        return best >= 0 ? TokenID(truncatingIfNeeded: best) : nil
    }

    /// Same as the buffer version, leaving `logits` as they are: the greedy pick is read in place, any other
    /// sampling works on a copy in `scratch` (resized as needed; keep it across calls to reuse it).
    public mutating func sample(logits: UnsafeBufferPointer<Float>, history: [TokenID], scratch: inout [Float]) -> TokenID {
        if let picked = greedyPick(logits) { return picked }
        if scratch.count != logits.count { scratch = [Float](repeating: 0, count: logits.count) }
        return scratch.withUnsafeMutableBufferPointer { buf in
            _ = buf.initialize(from: logits)
            return sample(logits: buf, history: history)
        }
    }

    /// Same as the buffer version, leaving `logits` as they are (a copy only when it is not a greedy pick).
    public mutating func sample(logits: [Float], history: [TokenID]) -> TokenID {
        var scratch: [Float] = []
        return logits.withUnsafeBufferPointer { sample(logits: $0, history: history, scratch: &scratch) }
    }

    /// The distribution the draw would use for these logits: kept tokens with non-zero
    /// probability, summing to 1, in the sampler's internal (deterministic) order. Consumes no
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
        Self.sanitize(logits)
    }

    /// NaN to -inf, +inf to the largest finite value, in place.
    private static func sanitize(_ logits: UnsafeMutableBufferPointer<Float>) {
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
        // false while every token is still in play and `candidates` has not been filled; the
        // stages then read `logits` directly instead of copying the whole vocabulary.
        var listed = false
        var sorted = false  // `candidates` is best first (only top-k produces that order)
        if config.topK > 0 && config.topK < n {
            TopSelection.select(logits, k: config.topK, into: &candidates)
            listed = true
            sorted = true
        }
        let maxLogit = listed ? candidates[0].logit : Self.maxLogit(logits)
        guard maxLogit > -.infinity else {
            // No token has any probability; fall back to the greedy rule (lowest id).
            candidates.removeAll(keepingCapacity: true)
            candidates.append(Candidate(id: 0, logit: -.infinity))
            return
        }
        if config.topP < 1 {
            if sorted {
                candidates.removeSubrange(nucleusCount(maxLogit: maxLogit)...)
            } else {
                nucleusFromVocabulary(logits, maxLogit: maxLogit)
                listed = true
            }
        }
        if config.minP > 0 {
            // Keep p_i >= minP * p_max, i.e. exp(logit_i - maxLogit) >= minP (llama.cpp compares
            // the equivalent logit_i >= maxLogit + log(minP)). The maximum has ratio exactly 1
            // and minP <= 1, so it always passes and the set never empties.
            let minP = config.minP
            if listed {
                candidates.removeAll { portableExpNonPositive($0.logit - maxLogit) < minP }
            } else {
                candidates.removeAll(keepingCapacity: true)
                for i in 0..<n where portableExpNonPositive(logits[i] - maxLogit) >= minP {
                    candidates.append(Candidate(id: TokenID(truncatingIfNeeded: i), logit: logits[i]))
                }
                listed = true
            }
        }
        if !listed {
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
        for c in candidates { total += Double(portableExpNonPositive(c.logit - maxLogit)) }
        return Self.prefixReaching(config.topP, of: total, in: candidates[...], maxLogit: maxLogit)
            ?? candidates.count
    }

    /// Buckets for top-p over a whole vocabulary: bucket b holds the logits in
    /// (max - (b + 1) / 32, max - b / 32]; the last bucket also takes everything further down,
    /// where a token weighs less than e^-32 of the top one.
    private static let nucleusBuckets = 1024
    private static let bucketsPerLogit: Float = 32

    @inline(__always)
    private static func bucket(_ logit: Float, maxLogit: Float) -> Int {
        let scaled = (maxLogit - logit) * bucketsPerLogit
        return scaled < Float(nucleusBuckets - 1) ? Int(scaled) : nucleusBuckets - 1
    }

    /// Top-p over the whole vocabulary without sorting it. Bucketing by distance from the
    /// maximum logit preserves rank order between buckets, so the cumulative mass per bucket
    /// locates the bucket where the mass crosses `topP`; every token in a higher bucket is kept
    /// and only the crossing bucket (typically a few hundred tokens) is sorted to find the cut.
    /// Leaves the kept tokens in `candidates`: higher buckets by id, then the crossing prefix.
    private mutating func nucleusFromVocabulary(_ logits: UnsafeBufferPointer<Float>, maxLogit: Float) {
        if bucketMass.count != Self.nucleusBuckets {
            bucketMass = [Double](repeating: 0, count: Self.nucleusBuckets)
        } else {
            for b in bucketMass.indices { bucketMass[b] = 0 }
        }
        var total = 0.0
        for x in logits {
            let w = Double(portableExpNonPositive(x - maxLogit))
            total += w
            bucketMass[Self.bucket(x, maxLogit: maxLogit)] += w
        }
        let target = Double(config.topP) * total
        var above = 0.0  // mass of the buckets before the crossing one
        var crossing = Self.nucleusBuckets - 1
        for b in bucketMass.indices {
            if above + bucketMass[b] >= target {
                crossing = b
                break
            }
            above += bucketMass[b]
        }

        candidates.removeAll(keepingCapacity: true)
        boundary.removeAll(keepingCapacity: true)
        for i in 0..<logits.count {
            let b = Self.bucket(logits[i], maxLogit: maxLogit)
            if b > crossing { continue }
            let c = Candidate(id: TokenID(truncatingIfNeeded: i), logit: logits[i])
            if b < crossing { candidates.append(c) } else { boundary.append(c) }
        }
        boundary.sort { $0.ranksAbove($1) }
        // The remainder of the target inside the crossing bucket; if rounding leaves the
        // bucket short, the whole bucket (and so every token) is kept.
        let keep =
            Self.prefixReaching(remainder: target - above, in: boundary[...], maxLogit: maxLogit)
            ?? boundary.count
        candidates.append(contentsOf: boundary.prefix(keep))
    }

    /// The first prefix length whose mass reaches `p * total`, or nil if the slice falls short.
    private static func prefixReaching(
        _ p: Float, of total: Double, in ranked: ArraySlice<Candidate>, maxLogit: Float
    ) -> Int? {
        prefixReaching(remainder: Double(p) * total, in: ranked, maxLogit: maxLogit)
    }

    /// The first prefix length (at least 1) whose unnormalized mass reaches `remainder`.
    private static func prefixReaching(
        remainder: Double, in ranked: ArraySlice<Candidate>, maxLogit: Float
    ) -> Int? {
        var cumulative = 0.0
        for (offset, c) in ranked.enumerated() {
            cumulative += Double(portableExpNonPositive(c.logit - maxLogit))
            if cumulative >= remainder { return offset + 1 }
        }
        return nil
    }

    /// Fills the first `candidates.count` entries of `weights` with
    /// exp((logit - max) / temperature); returns their sum. The exponentials and the sum are
    /// separate loops so the first can vectorize while the sum keeps a fixed order.
    private mutating func computeWeights() -> Double {
        var maxLogit = -Float.infinity
        for c in candidates where c.logit > maxLogit { maxLogit = c.logit }
        let count = candidates.count
        if weights.count < count { weights = [Float](repeating: 0, count: count) }
        guard maxLogit > -.infinity else {
            for j in 0..<count { weights[j] = 0 }
            return 0
        }
        let t = config.temperature
        candidates.withUnsafeBufferPointer { cs in
            weights.withUnsafeMutableBufferPointer { ws in
                for j in 0..<count { ws[j] = portableExpNonPositive((cs[j].logit - maxLogit) / t) }
            }
        }
        var total = 0.0
        for j in 0..<count { total += Double(weights[j]) }
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
