/// Applies the repetition, presence and frequency penalties with llama.cpp's semantics.
///
/// Occurrence counts live in a vocabulary-sized table that persists between steps; only the
/// entries touched by the window are cleared afterwards, so a step costs O(window), not
/// O(vocabulary), and allocates nothing once the table has grown.
struct PenaltyWindow: Sendable {
    private var counts: [Int32] = []  // (vocab) occurrences in the window; all zero between calls
    private var seen: [Int] = []  // distinct token ids with a non-zero count, in first-seen order

    /// Penalizes, in place, every token of `logits` that occurs in the last
    /// `config.penaltyLastN` entries of `history` (all of it for -1). Ids outside the
    /// vocabulary are ignored.
    mutating func apply(_ config: SamplerConfig, history: [TokenID], to logits: UnsafeMutableBufferPointer<Float>) {
        guard config.appliesPenalties, !history.isEmpty else { return }
        let window = config.penaltyLastN < 0 ? history[...] : history.suffix(config.penaltyLastN)
        let vocab = logits.count
        if counts.count < vocab { counts = [Int32](repeating: 0, count: vocab) }

        for token in window {
            let id = Int(token)
            guard id >= 0, id < vocab else { continue }
            if counts[id] == 0 { seen.append(id) }
            counts[id] += 1
        }
        for id in seen {
            let count = counts[id]
            counts[id] = 0
            var logit = logits[id]
            // Dividing a negative logit would raise it; llama.cpp multiplies those instead so the
            // penalty always lowers the token.
            logit = logit <= 0 ? logit * config.repetitionPenalty : logit / config.repetitionPenalty
            logit -= Float(count) * config.frequencyPenalty + config.presencePenalty
            logits[id] = logit
        }
        seen.removeAll(keepingCapacity: true)
    }
}
