import Foundation

/// How placement sizes a device.
public struct PlacementPolicy: Codable, Sendable, Equatable {
    /// Context size the deployment runs at (KV cache positions).
    public var contextSize: Int
    /// Share of the device's RAM the model may use, in (0, 1], e.g. 0.6.
    public var memoryShare: Double
    /// Bytes added on top of the model's estimate for the agent and server around it.
    public var runtimeOverheadBytes: Int64
    /// Quality floor: variants with a higher (or unmeasured) perplexity are not viable.
    public var maxPerplexity: Double?
    /// Quality floor against the reference variant: higher (or unmeasured) KL divergence is not viable.
    public var maxKLDivergence: Double?

    public init(contextSize: Int = 4096, memoryShare: Double = 0.6, runtimeOverheadBytes: Int64 = 64 << 20,
                maxPerplexity: Double? = nil, maxKLDivergence: Double? = nil) {
        self.contextSize = contextSize
        self.memoryShare = memoryShare
        self.runtimeOverheadBytes = runtimeOverheadBytes
        self.maxPerplexity = maxPerplexity
        self.maxKLDivergence = maxKLDivergence
    }

    public func validate() throws(FleetInputError) {
        guard (1...(1 << 24)).contains(contextSize) else { throw .invalid(field: "contextSize", reason: "must be 1…16777216, got \(contextSize)") }
        guard memoryShare > 0, memoryShare <= 1 else { throw .invalid(field: "memoryShare", reason: "must be in (0, 1], got \(memoryShare)") }
        guard runtimeOverheadBytes >= 0, runtimeOverheadBytes < 1 << 50 else {
            throw .invalid(field: "runtimeOverheadBytes", reason: "must be 0…2^50, got \(runtimeOverheadBytes)")
        }
        if let p = maxPerplexity, !(p > 0 && p.isFinite) { throw .invalid(field: "maxPerplexity", reason: "must be a positive number, got \(p)") }
        if let k = maxKLDivergence, !(k >= 0 && k.isFinite) { throw .invalid(field: "maxKLDivergence", reason: "must be ≥ 0, got \(k)") }
    }
}

/// Which variant a device gets, or why none fits, with the arithmetic either way.
public enum PlacementDecision: Sendable, Equatable {
    case assigned(VariantFacts, arithmetic: String)
    /// One line per variant (or about the device or policy) saying why it does not fit.
    case noViableVariant(reasons: [String])

    public var variant: VariantFacts? {
        if case .assigned(let v, _) = self { return v }
        return nil
    }
}

public enum Placement {
    /// The smallest viable variant for `device`: least memory at the policy's context among those whose
    /// memory + runtime overhead fit in `memoryShare` of the device's RAM, whose required CPU features the
    /// device has, and whose quality meets the floor. Ties go to the smaller file, then the name.
    public static func choose(device: DeviceInventory, variants: [VariantFacts], policy: PlacementPolicy) -> PlacementDecision {
        do { try policy.validate() } catch { return .noViableVariant(reasons: ["invalid policy: \(error)"]) }
        guard device.ramBytes > 0 else { return .noViableVariant(reasons: ["the device reports \(device.ramBytes) bytes of RAM"]) }
        guard !variants.isEmpty else { return .noViableVariant(reasons: ["the deployment's model has no published variants"]) }
        let budget = Int64((Double(device.ramBytes) * policy.memoryShare).rounded(.down))
        let budgetText = "budget \(percent(policy.memoryShare)) of \(mib(device.ramBytes)) RAM = \(mib(budget)) (\(budget) B)"
        var best: (variant: VariantFacts, need: Int64, arithmetic: String)?
        var reasons: [String] = []
        for v in variants {
            let label = "\(v.fileName) (\(v.quantization))"
            var problems: [String] = []
            var fit: (need: Int64, arithmetic: String)?
            if let memory = v.memoryBytes(contextSize: policy.contextSize) {
                let (need, overflow) = memory.addingReportingOverflow(policy.runtimeOverheadBytes)
                let needText = "\(mib(memory)) at ctx \(policy.contextSize) + \(mib(policy.runtimeOverheadBytes)) runtime overhead = "
                    + (overflow ? "more than 2^63 B" : "\(mib(need)) (\(need) B)")
                if overflow || need > budget {
                    problems.append("needs \(needText) > \(budgetText)")
                } else {
                    fit = (need, "\(label): needs \(needText) ≤ \(budgetText)")
                }
            } else {
                problems.append("no memory estimate at ctx \(policy.contextSize) (recorded: \(v.memoryByContext.keys.sorted()))")
            }
            for feature in v.requiredFeatures where !device.has(feature: feature) {
                problems.append("needs CPU feature \(feature), which the device does not report")
            }
            if let q = qualityProblem(v, policy) { problems.append(q) }
            if let fit, problems.isEmpty {
                if best == nil || isBetter(v, fit.need, than: best!) { best = (v, fit.need, fit.arithmetic) }
            } else {
                reasons.append("\(label): " + problems.joined(separator: "; "))
            }
        }
        if let best { return .assigned(best.variant, arithmetic: best.arithmetic) }
        return .noViableVariant(reasons: reasons)
    }

    private static func isBetter(_ v: VariantFacts, _ need: Int64, than best: (variant: VariantFacts, need: Int64, arithmetic: String)) -> Bool {
        if need != best.need { return need < best.need }
        if v.sizeBytes != best.variant.sizeBytes { return v.sizeBytes < best.variant.sizeBytes }
        return v.fileName < best.variant.fileName
    }

    private static func qualityProblem(_ v: VariantFacts, _ policy: PlacementPolicy) -> String? {
        if let floor = policy.maxPerplexity {
            guard let ppl = v.perplexity else { return "no perplexity measured, the deployment requires ≤ \(floor)" }
            if ppl > floor { return "perplexity \(ppl) > quality floor \(floor)" }
        }
        if let floor = policy.maxKLDivergence {
            guard let kl = v.klDivergence else { return "no KL divergence measured, the deployment requires ≤ \(floor)" }
            if kl > floor { return "KL divergence \(kl) > quality floor \(floor)" }
        }
        return nil
    }

    static func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    static func percent(_ share: Double) -> String { String(format: "%g%%", share * 100) }
}
