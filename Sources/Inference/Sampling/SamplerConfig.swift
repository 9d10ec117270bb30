/// The settings of one sampling chain.
///
/// The chain runs in llama.cpp's common default order:
/// penalties → top-k → top-p → min-p → temperature → draw from the distribution.
/// Top-p and min-p therefore see the probabilities at temperature 1 of the tokens that
/// survived the earlier stages; temperature only reshapes what is left.
///
/// Each stage has a neutral value that switches it off (listed per property), so a
/// configuration reads as "what is on".
public struct SamplerConfig: Sendable, Equatable, Codable {
    /// Divides the logits before the draw. `0` means greedy: the highest penalized logit wins
    /// (ties go to the lowest token id) and the filters and seed play no part.
    public var temperature: Float
    /// Keep only the `topK` highest logits. `0` disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability adds up to at least `topP`.
    /// `1` disables.
    public var topP: Float
    /// Drop tokens whose probability is below `minP` times the probability of the most likely
    /// token. `0` disables.
    public var minP: Float
    /// llama.cpp's repetition penalty: a token seen in the penalty window has a positive logit
    /// divided by this value and a non-positive logit multiplied by it. `1` disables.
    public var repetitionPenalty: Float
    /// Subtracted once from the logit of every token seen in the penalty window. `0` disables.
    public var presencePenalty: Float
    /// Subtracted from a token's logit once per occurrence in the penalty window. `0` disables.
    public var frequencyPenalty: Float
    /// How many of the most recent tokens (prompt and generated) the penalties look at:
    /// `-1` means the whole history, `0` disables all penalties.
    public var penaltyLastN: Int
    /// Seed of the sampler's own random generator. The same seed and settings give the same
    /// tokens on every run. `nil` means "pick a fresh random seed" when the `Sampler` is made;
    /// `Sampler.seed` reports the one chosen so the run can be replayed.
    public var seed: UInt64?

    /// Creates a configuration; the defaults match llama.cpp's command-line defaults.
    /// Whether the penalties change anything: a non-neutral strength over a non-empty window.
    var appliesPenalties: Bool {
        penaltyLastN != 0 && (repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0)
    }

    public init(
        temperature: Float = 0.8,
        topK: Int = 40,
        topP: Float = 0.95,
        minP: Float = 0.05,
        repetitionPenalty: Float = 1.0,
        presencePenalty: Float = 0.0,
        frequencyPenalty: Float = 0.0,
        penaltyLastN: Int = 64,
        seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.penaltyLastN = penaltyLastN
        self.seed = seed
    }

    /// Always the highest logit after penalties (which are off here); no randomness.
    public static let greedy = SamplerConfig(
        temperature: 0, topK: 0, topP: 1, minP: 0,
        repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, penaltyLastN: 0, seed: nil
    )

    /// Returns `self` if every setting is usable, otherwise throws naming the first bad one.
    ///
    /// Rejected: NaN or infinite floats, `temperature < 0`, `topK < 0`, `topP` outside (0, 1],
    /// `minP` outside [0, 1], `repetitionPenalty <= 0`, `penaltyLastN < -1`.
    /// Negative presence and frequency penalties are allowed: they favour repetition, as in
    /// the OpenAI API.
    public func validated() throws(SamplerError) -> SamplerConfig {
        try Self.check("temperature", temperature, ok: temperature >= 0, accepted: "a finite number >= 0 (0 = greedy)")
        if topK < 0 {
            throw SamplerError(parameter: "topK", reason: "must be >= 0 (0 = disabled), got \(topK)")
        }
        try Self.check("topP", topP, ok: topP > 0 && topP <= 1, accepted: "in (0, 1] (1 = disabled)")
        try Self.check("minP", minP, ok: minP >= 0 && minP <= 1, accepted: "in [0, 1] (0 = disabled)")
        try Self.check(
            "repetitionPenalty", repetitionPenalty, ok: repetitionPenalty > 0,
            accepted: "a finite number > 0 (1 = disabled)")
        try Self.check("presencePenalty", presencePenalty, ok: true, accepted: "a finite number (0 = disabled)")
        try Self.check("frequencyPenalty", frequencyPenalty, ok: true, accepted: "a finite number (0 = disabled)")
        if penaltyLastN < -1 {
            throw SamplerError(
                parameter: "penaltyLastN",
                reason: "must be -1 (whole history), 0 (disabled) or a positive count, got \(penaltyLastN)")
        }
        return self
    }

    private static func check(_ name: String, _ value: Float, ok: Bool, accepted: String) throws(SamplerError) {
        guard value.isFinite, ok else {
            throw SamplerError(parameter: name, reason: "must be \(accepted), got \(value)")
        }
    }
}

extension SamplerConfig {
    private enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty
        case penaltyLastN, seed
    }

    /// Decodes a configuration in which every key is optional: a missing key keeps its default,
    /// so `{"temperature": 0}` is a complete configuration. Decoding does not validate; call
    /// `validated()` (or make a `Sampler`) to check the values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplerConfig()
        self.init(
            temperature: try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature,
            topK: try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK,
            topP: try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP,
            minP: try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP,
            repetitionPenalty: try c.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? d.repetitionPenalty,
            presencePenalty: try c.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? d.presencePenalty,
            frequencyPenalty: try c.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? d.frequencyPenalty,
            penaltyLastN: try c.decodeIfPresent(Int.self, forKey: .penaltyLastN) ?? d.penaltyLastN,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed)
        )
    }
}
