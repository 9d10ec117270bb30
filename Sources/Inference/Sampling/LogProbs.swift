import Foundation

/// Log-probabilities of raw logits, for reporting (`logprobs` in the API, golden-data checks).
///
/// Logits are read as the sampler reads them: NaN as -inf, +inf as the largest finite value.
/// Sums run in double precision so a 262,144-entry vocabulary loses no accuracy.
public enum LogProbs {
    /// log-softmax of `logits`: `logit - log(sum(exp(logits)))`, same length as the input.
    /// If no logit is above -inf there is no distribution and every entry is -inf.
    public static func logSoftmax(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
        guard let logZ = logPartition(logits) else {
            return [Float](repeating: -.infinity, count: logits.count)
        }
        return logits.map { Float(Double(sanitizedLogit($0)) - logZ) }
    }

    /// The `k` most likely tokens with their log-probabilities, most likely first (equal
    /// logits: lower id first). Uses partial selection, so the vocabulary is never sorted.
    /// Returns fewer than `k` entries when the vocabulary is smaller, none when `k <= 0`.
    public static func top(_ logits: UnsafeBufferPointer<Float>, k: Int) -> [(id: TokenID, logprob: Float)] {
        var best: [Candidate] = []
        TopSelection.select(logits, k: k, into: &best)
        guard let logZ = logPartition(logits) else { return best.map { ($0.id, -Float.infinity) } }
        return best.map { ($0.id, Float(Double($0.logit) - logZ)) }
    }

    /// Log-probability of token `id` under `logits`; -inf when it is out of range or there is no distribution.
    public static func logprob(of id: TokenID, in logits: UnsafeBufferPointer<Float>) -> Float {
        guard id >= 0, Int(id) < logits.count, let logZ = logPartition(logits) else { return -.infinity }
        return Float(Double(sanitizedLogit(logits[Int(id)])) - logZ)
    }

    /// log(sum(exp(logits))) computed stably around the maximum; nil when every logit is -inf.
    private static func logPartition(_ logits: UnsafeBufferPointer<Float>) -> Double? {
        var maxLogit = -Float.infinity
        for x in logits {
            let v = sanitizedLogit(x)
            if v > maxLogit { maxLogit = v }
        }
        guard maxLogit > -.infinity else { return nil }
        var sum = 0.0
        for x in logits { sum += Double(portableExpNonPositive(sanitizedLogit(x) - maxLogit)) }
        return Double(maxLogit) + log(sum)
    }
}
