/// One feature of the complexity score.
public struct ComplexityFeature: Sendable, Equatable {
    /// The features, with their units.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Estimated prompt tokens / 1,000 (capped at 8).
        case length
        /// Reasoning markers: "step by step", "prove", "proof", "derive", "explain why/how", "compare",
        /// "contrast", "analyze", "justify", "evaluate", "trade-off", "pros and cons" (capped at 5).
        case reasoning
        /// Items of a numbered list ("1." or "2)" at a line start), counted when there are at least two (capped at 10).
        case steps
        /// Fenced code blocks, plus one per three code-like lines (ending in `;`, `{`, `}` or holding
        /// `==`, `!=`, `=>`, `&&`, `||`) (capped at 3).
        case code
        /// Constraint markers: "must", "should", "exactly", "without", "never", "always", "at least",
        /// "at most", "no more than", "no less than", "no fewer than" (capped at 10).
        case constraints

        /// Values above this add nothing more to the score, so one feature cannot dominate.
        public var cap: Double {
            switch self {
            case .length: return 8
            case .reasoning: return 5
            case .steps: return 10
            case .code: return 3
            case .constraints: return 10
            }
        }
    }

    /// Which feature.
    public var kind: Kind
    /// The measured value, uncapped, in the kind's unit.
    public var value: Double
    /// `weight × min(value, cap)`: what it adds to the score.
    public var contribution: Double

    /// Creates a feature measurement.
    public init(kind: Kind, value: Double, contribution: Double) {
        self.kind = kind
        self.value = value
        self.contribution = contribution
    }
}

/// A complexity score with the features that produced it.
public struct ComplexityReport: Sendable, Equatable {
    /// Sum of the feature contributions.
    public var score: Double
    /// The threshold it was compared with.
    public var threshold: Double
    /// Every feature, in `ComplexityFeature.Kind.allCases` order.
    public var features: [ComplexityFeature]

    /// Creates a report.
    public init(score: Double, threshold: Double, features: [ComplexityFeature]) {
        self.score = score
        self.threshold = threshold
        self.features = features
    }

    /// Whether the score reaches the threshold.
    public var isComplex: Bool { score >= threshold }

    /// The measurement of one feature.
    public func feature(_ kind: ComplexityFeature.Kind) -> ComplexityFeature? {
        features.first { $0.kind == kind }
    }
}
