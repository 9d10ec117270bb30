/// Drafts tokens with a second, smaller model that shares the target's vocabulary. It keeps its own KV
/// cache of the sequence and, before each proposal, runs only the tokens it has not seen (the target's
/// correction and the last accepted token after a rejection: its cache is first cut back to the longest
/// prefix it shares with the committed sequence).
final class ModelDrafter {
    let model: any LanguageModel
    private let cache: KVCache
    private var cached: [TokenID] = []   // (cache.count) the tokens whose keys and values `cache` holds
    private var sampler: Sampler
    private var rng: Xoshiro256StarStar
    private let vocabularySize: Int

    /// Checks that `draft` shares `target`'s vocabulary (size and every token's text) and makes a cache
    /// of `capacity` positions for it.
    init(draft: Engine, target: Engine, capacity: Int, sampler config: SamplerConfig, seed: UInt64) throws(EngineError) {
        try Self.checkVocabulary(draft: draft, target: target)
        model = draft.model
        do { cache = try draft.model.makeCache(capacity: capacity) } catch { throw .model(error) }
        var c = config
        c.seed = seed ^ 0x5DEE_CE66_D1CE_4E5B
        do { sampler = try Sampler(config: c) } catch { throw .sampler(error) }
        rng = Xoshiro256StarStar(seed: seed ^ 0x0DD5_EED0_F00D_CAFE)
        vocabularySize = draft.model.hyperparameters.vocabularySize
    }

    /// The draft must map every id to the same token as the target, or its guesses mean nothing.
    static func checkVocabulary(draft: Engine, target: Engine) throws(EngineError) {
        let d = draft.tokenizer, t = target.tokenizer
        guard d.vocabularySize == t.vocabularySize,
              draft.model.hyperparameters.vocabularySize == target.model.hyperparameters.vocabularySize else {
            throw .model(.invalidArgument(
                "the draft model's vocabulary (\(d.vocabularySize) tokens) differs from the target's (\(t.vocabularySize)); "
                + "speculative decoding needs a draft model of the same tokenizer family"))
        }
        for id in 0..<t.vocabularySize {
            let token = TokenID(truncatingIfNeeded: id)
            if d.tokenText(token) != t.tokenText(token) {
                throw .model(.invalidArgument(
                    "the draft model's token \(id) is \(d.tokenText(token).map { "\"\($0)\"" } ?? "missing") but the target's is "
                    + "\(t.tokenText(token).map { "\"\($0)\"" } ?? "missing"); the two models do not share a vocabulary"))
            }
        }
    }

    /// Runs the prompt through the draft model (at prefill time, so the first proposal is cheap).
    func prefill(_ prompt: [TokenID]) throws(ModelError) {
        cache.reset()
        cached = []
        _ = try model.prefill(prompt, cache: cache)
        cached = prompt
    }

    /// Up to `limit` drafted tokens following `history`; with `sampling`, each with the draft's
    /// distribution q at its step (for the acceptance rule), otherwise argmax tokens and nil.
    func propose(_ history: [TokenID], limit: Int, sampling: Bool) throws(ModelError)
        -> (tokens: [TokenID], distributions: [[(id: TokenID, probability: Double)]]?)
    {
        let room = cache.capacity - history.count
        let n = min(limit, room)
        guard n > 0, !history.isEmpty else { return ([], nil) }
        // Keep the longest shared prefix, but always re-run at least the last token for its logits.
        var keep = 0
        let bound = min(cached.count, history.count - 1)
        while keep < bound && cached[keep] == history[keep] { keep += 1 }
        cache.truncate(to: keep)
        cached.removeSubrange(keep...)
        var logits = try model.prefill(Array(history[keep...]), cache: cache)
        cached = history
        var tokens: [TokenID] = []
        var dists: [[(id: TokenID, probability: Double)]] = []
        var context = history
        for i in 0..<n {
            let x: TokenID
            if sampling {
                let q = logits.withUnsafeMutableBufferPointer { sampler.distribution(logits: $0, history: context) }
                x = SpeculativeSampling.draw(q.map { ($0.id, $0.probability) }, rng: &rng) ?? 0
                dists.append(q)
            } else {
                x = sampler.sample(logits: logits, history: context)
            }
            tokens.append(x)
            context.append(x)
            if i + 1 < n {
                let hidden = try model.forward([x], cache: cache)
                logits = model.logits(hidden, rows: 0..<1)
                cached.append(x)
            }
        }
        return (tokens, sampling ? dists : nil)
    }
}
