/// Where drafted tokens come from.
public enum SpeculationMode: String, Sendable, CaseIterable, Codable {
    /// Prompt lookup: the tokens that followed an earlier occurrence of the last n-gram of the prompt
    /// and output so far (the longest match; among equals, the most shared continuation). No second
    /// model; pays off where the output copies its input (extraction, quoting, editing code).
    case lookup
    /// A smaller model sharing the target's vocabulary drafts tokens one by one.
    case draft
}

/// Settings of speculative decoding: several drafted tokens are checked in one batched forward pass
/// of the target model, and the output is the target's own (identical tokens for greedy decoding,
/// the same distribution for sampling).
public struct SpeculationConfig: Sendable {
    public var mode: SpeculationMode
    /// Most tokens drafted per verification pass.
    public var draftMax: Int
    /// Most trailing tokens prompt lookup compares (the longest match wins; it drafts nothing from
    /// matches shorter than `ngramMin`).
    public var ngramMax: Int
    public var ngramMin: Int
    /// The draft model for `.draft` (checked to share the target's vocabulary).
    public var draft: Engine?

    public init(mode: SpeculationMode = .lookup, draftMax: Int = 8, ngramMax: Int = 8, ngramMin: Int = 1,
                draft: Engine? = nil) {
        self.mode = mode
        self.draftMax = draftMax
        self.ngramMax = ngramMax
        self.ngramMin = ngramMin
        self.draft = draft
    }

    /// Returns `self` if usable, otherwise an error naming the bad setting.
    public func validated() throws(ModelError) -> SpeculationConfig {
        guard (1...64).contains(draftMax) else {
            throw .invalidArgument("speculation: draft-max must be in 1...64 (got \(draftMax))")
        }
        guard ngramMin >= 1, ngramMax >= ngramMin, ngramMax <= 16 else {
            throw .invalidArgument("speculation: n-gram sizes must satisfy 1 <= min <= max <= 16 (got \(ngramMin)...\(ngramMax))")
        }
        if mode == .draft && draft == nil {
            throw .invalidArgument("speculation: mode 'draft' needs a draft model (--draft-model PATH)")
        }
        return self
    }
}

/// Counters of one speculative generation (or of a server over its lifetime).
public struct SpeculationStats: Sendable, Equatable, Codable {
    /// Verification passes of the target that carried at least one drafted token.
    public var verifyPasses = 0
    /// Drafted tokens sent to verification.
    public var drafted = 0
    /// Drafted tokens the target accepted.
    public var accepted = 0

    public init(verifyPasses: Int = 0, drafted: Int = 0, accepted: Int = 0) {
        self.verifyPasses = verifyPasses
        self.drafted = drafted
        self.accepted = accepted
    }

    /// Accepted / drafted, 0 when nothing was drafted.
    public var acceptanceRate: Double { drafted > 0 ? Double(accepted) / Double(drafted) : 0 }

    public static func + (a: SpeculationStats, b: SpeculationStats) -> SpeculationStats {
        SpeculationStats(verifyPasses: a.verifyPasses + b.verifyPasses, drafted: a.drafted + b.drafted,
                         accepted: a.accepted + b.accepted)
    }
}
