import Foundation

/// The decode loop with speculation. Each step commits the token `t` chosen at the previous step,
/// drafts up to k tokens d1…dk after it, and runs [t, d1…dk] through the target in one forward pass,
/// which yields the target's logits after t and after every drafted token. Walking those rows in order,
/// each drafted token is kept if the target's own choice agrees (greedy: its argmax equals the draft;
/// sampling: the acceptance rule of `SpeculativeSampling`); at the first disagreement the target's
/// token replaces the draft, the cache is cut back to the accepted positions, and the next step starts
/// from that token. When every draft is kept, the last row gives the next token for free.
struct SpeculativeGenerator {
    let engine: Engine
    let config: SpeculationConfig

    func generate(_ request: GenerationRequest, contextSize: Int,
                  onText: (String) -> Bool) throws(EngineError) -> GenerationResult {
        let model = engine.model
        let tokenizer = engine.tokenizer
        let vocab = model.hyperparameters.vocabularySize
        guard request.maxTokens >= 0 else { throw .model(.invalidArgument("max tokens must be non-negative")) }
        guard !request.prompt.isEmpty else { throw .model(.invalidArgument("the prompt is empty")) }
        guard request.prompt.count < contextSize else {
            throw .model(.contextExceeded(needed: request.prompt.count + 1, available: contextSize))
        }
        let config: SpeculationConfig
        do { config = try self.config.validated() } catch { throw .model(error) }
        var sampler: Sampler
        do { sampler = try Sampler(config: request.sampler) } catch { throw .sampler(error) }
        let sampling = sampler.config.temperature > 0
        var rng = Xoshiro256StarStar(seed: sampler.seed ^ 0x9E37_79B9_7F4A_7C15)
        let cache: KVCache
        do { cache = try model.makeCache(capacity: contextSize) } catch { throw .model(error) }
        let lookup = PromptLookup(ngramMax: config.ngramMax, ngramMin: config.ngramMin, tokenizer: tokenizer)
        var drafter: ModelDrafter?
        if config.mode == .draft, let draft = config.draft {
            drafter = try ModelDrafter(draft: draft, target: engine, capacity: contextSize, sampler: sampler.config,
                                       seed: sampler.seed)
        }

        var timings = GenerationTimings(promptTokens: request.prompt.count)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits: [Float]
        do {
            logits = try model.prefill(request.prompt, cache: cache)
            try drafter?.prefill(request.prompt)
        } catch { throw .model(error) }
        let tPrefill = DispatchTime.now().uptimeNanoseconds
        timings.prefillSeconds = Double(tPrefill - t0) / 1e9

        var history = request.prompt
        var generated: [TokenID] = []
        var detok = StreamingDetokenizer(tokenizer: tokenizer)
        var stops = StopMatcher(stops: request.stop)
        var text = ""
        var finish = FinishReason.length
        var tFirst = tPrefill
        var stats = SpeculationStats()
        var k = config.draftMax
        var carried: TokenID?   // the target's replacement of a rejected draft, committed next

        /// Commits one token; returns false when generation ends with it (finish set).
        func commit(_ id: TokenID) -> Bool {
            if generated.isEmpty {
                tFirst = DispatchTime.now().uptimeNanoseconds
                timings.timeToFirstToken = Double(tFirst - t0) / 1e9
            }
            if request.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(id) { finish = .stop; return false }
            generated.append(id)
            history.append(id)
            let (emit, hit) = stops.feed(detok.append(id))
            text += emit
            if !emit.isEmpty && !onText(emit) { finish = .cancelled; return false }
            if hit { finish = .stop; return false }
            return generated.count < request.maxTokens
        }

        loop: while generated.count < request.maxTokens {
            let t = carried ?? sampler.sample(logits: logits, history: history)
            carried = nil
            guard commit(t) else { break }
            guard cache.count < cache.capacity else { finish = .length; break }
            // Never draft past max tokens or the context: t takes one position, each draft one more.
            let limit = min(k, request.maxTokens - generated.count, cache.capacity - cache.count - 1)
            var draft: [TokenID] = []
            var q: [[(id: TokenID, probability: Double)]]?
            if limit > 0 {
                if let drafter {
                    do { (draft, q) = try drafter.propose(history, limit: limit, sampling: sampling) } catch { throw .model(error) }
                } else {
                    draft = lookup.propose(history, limit: limit)
                }
            }
            let start = cache.count
            var rows: [Float]   // (draft.count + 1, vocab); the samplers may rewrite the draft rows in place
            do {
                // Row-exact: the verification rounds as one-token decoding does, so greedy output is identical.
                let hidden = try model.forward([BatchSegment(tokens: [t] + draft, cache: cache, rowExact: true)])
                rows = model.logits(hidden, rows: 0..<(draft.count + 1))
            } catch { throw .model(error) }
            guard !draft.isEmpty else { logits = rows; continue }

            stats.verifyPasses += 1
            stats.drafted += draft.count
            var accepted = 0
            for (i, d) in draft.enumerated() {
                let decision: SpeculativeSampling.Decision = rows.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[(i * vocab)..<((i + 1) * vocab)])
                    if !sampling {
                        let x = sampler.sample(logits: row, history: history)
                        return x == d ? .accept : .replace(x)
                    }
                    let p = sampler.distribution(logits: row, history: history)
                    return SpeculativeSampling.decide(draft: d, target: p, draftDistribution: q?[i], rng: &rng)
                }
                guard case .accept = decision else {
                    if case .replace(let x) = decision { carried = x }
                    break
                }
                accepted += 1
                stats.accepted += 1
                guard commit(d) else { break loop }
            }
            if carried != nil {
                // Keep t and the accepted drafts; the rejected positions' keys and values are dropped.
                cache.truncate(to: start + 1 + accepted)
                k = max(2, accepted + 1)
            } else {
                logits = Array(rows[(draft.count * vocab)..<((draft.count + 1) * vocab)])
                k = min(config.draftMax, k + 2)
            }
        }
        if finish != .stop && finish != .cancelled {
            let rest = stops.finish(detok.flush())
            text += rest
            if !rest.isEmpty { _ = onText(rest) }
        }
        let tEnd = DispatchTime.now().uptimeNanoseconds
        timings.generatedTokens = generated.count
        timings.decodeSeconds = generated.isEmpty ? 0 : Double(tEnd - tFirst) / 1e9
        return GenerationResult(tokens: generated, text: text, finishReason: finish, timings: timings, speculation: stats)
    }
}
