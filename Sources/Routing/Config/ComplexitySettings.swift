/// When a prompt counts as complex enough for the cloud, and how its features are weighed.
public struct ComplexitySettings: Sendable, Equatable {
    /// A score at or above this sends the request to the cloud (when allowed).
    public var threshold: Double
    /// Weight of each feature in the score.
    public var weights: ComplexityWeights

    /// Creates settings; the default threshold is 3.0.
    public init(threshold: Double = 3.0, weights: ComplexityWeights = ComplexityWeights()) {
        self.threshold = threshold
        self.weights = weights
    }
}

/// Weight per unit of each complexity feature; see `ComplexityFeature.Kind` for the units.
public struct ComplexityWeights: Sendable, Equatable {
    /// Per 1,000 estimated prompt tokens.
    public var length: Double
    /// Per reasoning marker ("step by step", "prove", "explain why", "compare", …).
    public var reasoning: Double
    /// Per item of a numbered instruction list (counted from two items on).
    public var steps: Double
    /// Per code signal (a fenced block, or three code-like lines).
    public var code: Double
    /// Per constraint marker ("must", "should", "at least", "exactly", "without", …).
    public var constraints: Double

    /// Creates weights; the defaults make three reasoning markers, or a long prompt with code and
    /// a few constraints, reach the default threshold.
    public init(length: Double = 0.5, reasoning: Double = 1.0, steps: Double = 0.4, code: Double = 1.0,
                constraints: Double = 0.3) {
        self.length = length
        self.reasoning = reasoning
        self.steps = steps
        self.code = code
        self.constraints = constraints
    }
}
