import Foundation

/// What to generate.
public struct GenerationRequest: Sendable {
    public var prompt: [TokenID]
    public var maxTokens: Int
    public var sampler: SamplerConfig
    /// Generation ends before the first occurrence of any of these strings (which is not returned).
    public var stop: [String]
    /// Also end on the tokenizer's end-of-generation tokens.
    public var stopAtEndOfGeneration: Bool
    /// Speculative decoding (same output, fewer target passes), or nil for one token per pass.
    public var speculation: SpeculationConfig?
    /// When set, the output is constrained to a sentence of this grammar (structured output); it ends
    /// (`stop`) once the sentence is complete and the model ends it or nothing more can follow.
    public var grammar: Grammar?

    public init(prompt: [TokenID], maxTokens: Int, sampler: SamplerConfig = .greedy, stop: [String] = [],
                stopAtEndOfGeneration: Bool = true, speculation: SpeculationConfig? = nil, grammar: Grammar? = nil) {
        self.speculation = speculation
        self.grammar = grammar
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampler = sampler
        self.stop = stop
        self.stopAtEndOfGeneration = stopAtEndOfGeneration
    }
}

public enum FinishReason: String, Sendable, Codable {
    /// An end-of-generation token or a stop string.
    case stop
    /// `maxTokens` or the context was reached.
    case length
    /// The caller's callback asked to stop.
    case cancelled
}

/// Timings of one generation, in seconds.
public struct GenerationTimings: Sendable {
    public var prefillSeconds: Double = 0
    public var decodeSeconds: Double = 0
    public var promptTokens: Int = 0
    public var generatedTokens: Int = 0
    /// From the call until the first generated token was known.
    public var timeToFirstToken: Double = 0

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    /// Decode rate over the tokens after the first (the first comes out of prefill).
    public var decodeTokensPerSecond: Double {
        decodeSeconds > 0 && generatedTokens > 1 ? Double(generatedTokens - 1) / decodeSeconds : 0
    }
}

public struct GenerationResult: Sendable {
    public var tokens: [TokenID]
    public var text: String
    public var finishReason: FinishReason
    public var timings: GenerationTimings
    /// Drafted and accepted tokens when the request used speculation.
    public var speculation: SpeculationStats? = nil
}

/// Runs the decode loop: prefill, then sample, detokenize safely, and watch for stop conditions.
public struct Generator {
    public let engine: Engine

    public init(engine: Engine) { self.engine = engine }

    /// Generates from `request.prompt` into a fresh cache of `contextSize` positions.
    /// `onText` receives text as soon as it is final (never half a UTF-8 character, never part of a
    /// stop string); returning false cancels.
    public func generate(_ request: GenerationRequest, contextSize: Int,
                         onText: (String) -> Bool = { _ in true }) throws(EngineError) -> GenerationResult {
        // Constrained output decodes token by token: drafts are not checked against the grammar.
        if let speculation = request.speculation, request.grammar == nil {
            return try SpeculativeGenerator(engine: engine, config: speculation)
                .generate(request, contextSize: contextSize, onText: onText)
        }
        let model = engine.model
        let tokenizer = engine.tokenizer
        guard request.maxTokens >= 0 else { throw .model(.invalidArgument("max tokens must be non-negative")) }
        guard !request.prompt.isEmpty else { throw .model(.invalidArgument("the prompt is empty")) }
        guard request.prompt.count < contextSize else {
            throw .model(.contextExceeded(needed: request.prompt.count + 1, available: contextSize))
        }
        var sampler: Sampler
        do { sampler = try Sampler(config: request.sampler) } catch { throw .sampler(error) }
        let cache: KVCache
        do { cache = try model.makeCache(capacity: contextSize) } catch { throw .model(error) }

        var timings = GenerationTimings(promptTokens: request.prompt.count)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits: [Float]
        do { logits = try model.prefill(request.prompt, cache: cache) } catch { throw .model(error) }
        let tPrefill = DispatchTime.now().uptimeNanoseconds
        timings.prefillSeconds = Double(tPrefill - t0) / 1e9

        var history = request.prompt
        var generated: [TokenID] = []
        var detok = StreamingDetokenizer(tokenizer: tokenizer)
        var stops = StopMatcher(stops: request.stop)
        var text = ""
        var finish = FinishReason.length
        var tFirst = tPrefill
        var grammarEnded = false  // the held-back text is then real output
        let constraint = request.grammar.map { TokenConstraint(grammar: $0, trie: TokenTrie.shared(for: tokenizer)) }

        loop: while generated.count < request.maxTokens {
            let next: TokenID
            if let constraint {
                // A complete sentence that nothing may extend ends here; so does a dead end.
                guard !constraint.isFinished,
                      let picked = sampler.sample(logits: logits, history: history, constraint: constraint) else {
                    finish = .stop
                    grammarEnded = true
                    break
                }
                constraint.accept(picked)
                next = picked
            } else {
                next = sampler.sample(logits: logits, history: history)
            }
            if generated.isEmpty {
                tFirst = DispatchTime.now().uptimeNanoseconds
                timings.timeToFirstToken = Double(tFirst - t0) / 1e9
            }
            if request.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(next) {
                finish = .stop
                grammarEnded = constraint != nil
                break
            }
            generated.append(next)
            history.append(next)
            let (emit, hit) = stops.feed(detok.append(next))
            text += emit
            if !emit.isEmpty && !onText(emit) { finish = .cancelled; break }
            if hit { finish = .stop; break loop }
            if generated.count >= request.maxTokens { break }
            guard cache.count < cache.capacity else { finish = .length; break }
            do {
                let hidden = try model.forward([next], cache: cache)
                logits = model.logits(hidden, rows: 0..<1)
            } catch {
                throw .model(error)
            }
        }
        if (finish != .stop && finish != .cancelled) || grammarEnded {
            let rest = stops.finish(detok.flush())
            text += rest
            if !rest.isEmpty { _ = onText(rest) }
        }
        let tEnd = DispatchTime.now().uptimeNanoseconds
        timings.generatedTokens = generated.count
        timings.decodeSeconds = generated.isEmpty ? 0 : Double(tEnd - tFirst) / 1e9
        return GenerationResult(tokens: generated, text: text, finishReason: finish, timings: timings)
    }
}

/// Finds stop strings in streamed text, holding back any tail that could still become one.
package struct StopMatcher {
    package let stops: [String]
    private var pending = ""

    package init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds `text`; returns what is safe to emit and whether a stop string was hit (emit ends before it).
    package mutating func feed(_ text: String) -> (String, Bool) {
        guard !stops.isEmpty else { return (text, false) }
        pending += text
        var earliest: String.Index?
        for stop in stops {
            if let r = pending.range(of: stop), earliest.map({ r.lowerBound < $0 }) ?? true { earliest = r.lowerBound }
        }
        if let cut = earliest {
            let out = String(pending[..<cut])
            pending = ""
            return (out, true)
        }
        // Hold back the longest suffix that is a prefix of some stop string.
        var hold = 0
        for stop in stops {
            var k = min(stop.count - 1, pending.count)
            while k > hold {
                if pending.hasSuffix(stop.prefix(k)) { hold = k; break }
                k -= 1
            }
        }
        let safeEnd = pending.index(pending.endIndex, offsetBy: -hold)
        let out = String(pending[..<safeEnd])
        pending = String(pending[safeEnd...])
        return (out, false)
    }

    /// Flushes what was held back at the end of generation.
    package mutating func finish(_ text: String) -> String {
        let (out, hit) = feed(text)
        if hit { return out }
        defer { pending = "" }
        return out + pending
    }
}
