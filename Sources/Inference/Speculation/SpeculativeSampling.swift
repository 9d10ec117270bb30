/// The acceptance rule of speculative sampling (Leviathan et al. 2023; Chen et al. 2023): a token x
/// drafted from q is kept with probability min(1, p(x) / q(x)); otherwise the step's token is drawn
/// from the residual max(0, p − q), normalized. Whatever q is, the token that comes out is distributed
/// exactly as p. For a deterministic draft (prompt lookup, or a greedy draft model) q is a point mass
/// at x, and the rule reads: keep x with probability p(x), else draw from p without x, renormalized.
/// With a greedy target (p a point mass) it keeps x exactly when x is the target's argmax.
package enum SpeculativeSampling {
    package enum Decision: Equatable {
        case accept
        /// The draft is rejected; this token (drawn from the residual) takes its place.
        case replace(TokenID)
    }

    /// Decides on drafted token `x`. `target` is p (probabilities summing to 1, in a fixed order);
    /// `draft` is q, or nil for a point mass at `x`. Consumes one or two uniform draws from `rng`.
    package static func decide(
        draft x: TokenID, target: [(id: TokenID, probability: Double)],
        draftDistribution: [(id: TokenID, probability: Double)]?, rng: inout Xoshiro256StarStar
    ) -> Decision {
        var q: [TokenID: Double] = [:]
        if let draftDistribution {
            for e in draftDistribution { q[e.id, default: 0] += e.probability }
        } else {
            q[x] = 1
        }
        let px = target.first(where: { $0.id == x })?.probability ?? 0
        let qx = q[x] ?? 0
        // A token the draft could not have produced is never kept (q(x) = 0 only if the caller lies).
        if qx > 0 {
            let ratio = px / qx
            if ratio >= 1 || rng.nextUnitDouble() < ratio { return .accept }
        }
        // Residual max(0, p - q): its mass is exactly the rejection probability.
        var residual: [(id: TokenID, weight: Double)] = []
        var total = 0.0
        for e in target {
            let w = e.probability - (q[e.id] ?? 0)
            if w > 0 {
                residual.append((e.id, w))
                total += w
            }
        }
        guard total > 0, let last = residual.last else {
            // p <= q everywhere means p == q: rejection had probability 0; fall back to a draw from p.
            return .replace(draw(target.map { ($0.id, $0.probability) }, rng: &rng) ?? x)
        }
        let u = rng.nextUnitDouble() * total
        var cumulative = 0.0
        for e in residual {
            cumulative += e.weight
            if cumulative > u { return .replace(e.id) }
        }
        return .replace(last.id)
    }

    /// Inverse-CDF draw from unnormalized weights in their given order.
    package static func draw(_ weights: [(TokenID, Double)], rng: inout Xoshiro256StarStar) -> TokenID? {
        var total = 0.0
        for (_, w) in weights where w > 0 { total += w }
        guard total > 0 else { return weights.first?.0 }
        let u = rng.nextUnitDouble() * total
        var cumulative = 0.0
        for (id, w) in weights where w > 0 {
            cumulative += w
            if cumulative > u { return id }
        }
        return weights.last { $0.1 > 0 }?.0
    }
}
