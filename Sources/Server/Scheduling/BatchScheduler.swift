import Foundation
import Inference

/// Continuous batching for one model.
///
/// A dedicated thread (the model's thread pool helps it inside each pass) runs a loop: take cancelled
/// sequences out, give free slots to queued requests, then run one forward pass holding the next token
/// of every decoding sequence plus a chunk of at most one or two waiting prompts, and sample. HTTP
/// handlers only submit and read event streams; they never compute.
///
/// Each slot owns a KV cache of `contextSize` positions and remembers which tokens it holds. When a
/// sequence ends its slot keeps them, so a later prompt that starts the same way (a shared system
/// prompt, the earlier turns of a chat) starts from the longest common prefix found in any slot.
public final class BatchScheduler: @unchecked Sendable {
    public let engine: Engine
    public let config: SchedulerConfig

    // Shared with submitting threads; guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var cancelled: Set<UInt64> = []
    private var nextID: UInt64 = 1
    private var draining = false
    private var stopped = false
    private var stats = SchedulerSnapshot(queued: 0, active: 0, slots: 0, kvActiveTokens: 0, kvCachedTokens: 0,
                                          kvCapacityTokens: 0, prefixHitTokens: 0, promptTokensComputed: 0,
                                          generatedTokens: 0, forwardPasses: 0, rejectedOverloaded: 0)
    private var meanServiceSeconds = 2.0   // running estimate for Retry-After

    // Owned by the scheduler thread.
    private var slots: [Slot]
    private var active: [Running] = []
    private var clock: UInt64 = 0          // for least-recently-used slot choice
    private var samplingScratch: [Float] = []   // (vocab) one row of logits for the sampler to work on

    private var thread: Thread?
    /// Shared prefixes shorter than this do not decide which slot a prompt takes.
    private static let minimumReuse = 4

    /// Test hook: when set and it returns true, the next forward pass fails as a model error would
    /// (every sequence in it ends `failed`). Lets tests inject a local failure into the real scheduler.
    public nonisolated(unsafe) var injectFailure: (@Sendable () -> Bool)?

    /// Allocates `parallel` KV caches of `contextSize` positions (touched now, so a context that does
    /// not fit fails here, not mid-request) and starts the scheduling thread.
    public init(engine: Engine, config: SchedulerConfig) throws(SchedulerError) {
        self.engine = engine
        self.config = config
        var slots: [Slot] = []
        for _ in 0..<config.parallel {
            do { slots.append(Slot(cache: try engine.model.makeCache(capacity: config.contextSize))) } catch {
                throw .invalidRequest(error.description)
            }
        }
        self.slots = slots
        stats.slots = config.parallel
        stats.kvCapacityTokens = config.parallel * config.contextSize
        // The thread holds the scheduler until `stop` ends its loop. (An unowned capture could be read
        // after the scheduler was released when the thread started late: a trap, not an error.)
        let t = Thread { [self] in self.run() }
        t.name = "outpost-scheduler"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// KV cache bytes this scheduler allocates for `config` on `model`.
    public static func cacheBytes(model: any LanguageModel, config: SchedulerConfig) -> Int {
        let hp = model.hyperparameters
        return config.parallel * KVCache.byteCount(capacity: config.contextSize, layerCount: hp.layerCount,
                                                   kvDim: hp.kvDim, vDim: hp.vDim, type: model.options.kvCacheType)
    }

    // MARK: - Submitting

    /// Queues `request`; its events arrive on the returned stream. Ending the stream early (the consumer
    /// stops iterating or its task is cancelled) cancels the sequence and frees its slot.
    ///
    /// Answers at once: a full queue, an oversized prompt or a draining server throw here, before any work.
    public func submit(_ request: SequenceRequest) throws(SchedulerError) -> SequenceHandle {
        guard !request.prompt.isEmpty else { throw .invalidRequest("the prompt is empty") }
        guard request.maxTokens >= 1 else { throw .invalidRequest("max_tokens must be at least 1") }
        let vocab = engine.model.hyperparameters.vocabularySize
        if let bad = request.prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw .invalidRequest("token id \(bad) is outside the vocabulary (size \(vocab))")
        }
        // The prompt and at least one generated token, or all requested ones, must fit one slot's context.
        if request.prompt.count + request.maxTokens > config.contextSize {
            throw .contextExceeded(promptTokens: request.prompt.count, requested: request.maxTokens, context: config.contextSize)
        }
        let sampler: Sampler
        do { sampler = try Sampler(config: request.sampler) } catch { throw .invalidRequest(error.description) }
        // Built here, on the caller's thread: the first request of a model also builds its vocabulary trie.
        let constraint = request.grammar.map { TokenConstraint(grammar: $0, trie: TokenTrie.shared(for: engine.tokenizer)) }

        condition.lock()
        defer { condition.unlock() }
        if draining || stopped { throw .shuttingDown }
        let free = slots.count - stats.active
        if queue.count >= config.maxQueue + max(0, free) {
            stats.rejectedOverloaded += 1
            throw .overloaded(retryAfterSeconds: retryAfterLocked())
        }
        let id = nextID
        nextID += 1
        let (stream, continuation) = AsyncStream<SequenceEvent>.makeStream()
        continuation.onTermination = { [weak self] reason in
            if case .cancelled = reason { self?.cancel(id) }
        }
        queue.append(Pending(id: id, request: request, sampler: sampler, constraint: constraint, continuation: continuation,
                             submitted: DispatchTime.now().uptimeNanoseconds))
        stats.queued = queue.count
        condition.signal()
        return SequenceHandle(id: id, events: stream)
    }

    /// Cancels sequence `id` if it is queued or running; its slot is free before the next pass starts.
    public func cancel(_ id: UInt64) {
        condition.lock()
        cancelled.insert(id)
        condition.signal()
        condition.unlock()
    }

    /// Current figures for metrics.
    public func snapshot() -> SchedulerSnapshot {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Milliseconds a request submitted now would probably wait for a slot (0 with a slot free).
    public var estimatedWaitMs: Double {
        condition.lock()
        defer { condition.unlock() }
        if queue.isEmpty && stats.active < slots.count { return 0 }
        return Double(queue.count + 1) / Double(config.parallel) * meanServiceSeconds * 1000
    }

    /// True when a submission now would be refused as overloaded (or the scheduler is draining).
    public var isSaturated: Bool {
        condition.lock()
        defer { condition.unlock() }
        return draining || stopped || queue.count >= config.maxQueue + max(0, slots.count - stats.active)
    }

    /// Seconds a new request would probably wait: the queue ahead of it served `parallel` at a time.
    private func retryAfterLocked() -> Int {
        let waves = Double(queue.count + 1) / Double(config.parallel)
        return max(1, Int((waves * meanServiceSeconds).rounded(.up)))
    }

    // MARK: - Shutting down

    /// Stops taking new requests; queued and running ones go on. After `grace` seconds whatever is still
    /// running or queued is cancelled (its stream ends with `cancelled`).
    public func drain(grace: Double) {
        condition.lock()
        draining = true
        condition.signal()
        condition.unlock()
        guard grace.isFinite else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, grace)) { [weak self] in self?.cancelAll() }
    }

    /// Cancels every queued and running sequence.
    public func cancelAll() {
        condition.lock()
        for p in queue { cancelled.insert(p.id) }
        cancelled.formUnion(activeIDs)
        condition.signal()
        condition.unlock()
    }

    private var activeIDs: Set<UInt64> = []   // guarded by `condition`: ids of running sequences

    /// Ends the scheduling thread once nothing is queued or running (after `drain`, or at once with `cancelAll`).
    public func stop() {
        condition.lock()
        draining = true
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// True once the scheduling thread has exited.
    public var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    private var finished = false

    // MARK: - The loop

    private func run() {
        while true {
            condition.lock()
            applyCancellationsLocked()
            admitLocked()
            if active.isEmpty {
                if stopped && queue.isEmpty {
                    finished = true
                    condition.unlock()
                    return
                }
                condition.wait()
                condition.unlock()
                continue
            }
            condition.unlock()
            step()
        }
    }

    private func applyCancellationsLocked() {
        guard !cancelled.isEmpty else { return }
        let ids = cancelled
        cancelled.removeAll()
        queue.removeAll { p in
            guard ids.contains(p.id) else { return false }
            let summary = SequenceSummary(finish: .cancelled, trailingText: "", promptTokens: p.request.prompt.count,
                                          cachedTokens: 0, completionTokens: 0, queueSeconds: seconds(since: p.submitted),
                                          timeToFirstToken: 0, totalSeconds: seconds(since: p.submitted))
            p.continuation.yield(.finished(summary))
            p.continuation.finish()
            return true
        }
        for r in active where ids.contains(r.id) { finishLocked(r, .cancelled) }
        let finished = active.filter { $0.done }
        active.removeAll { $0.done }
        refreshStatsLocked()
        deliverFinished(finished)
    }

    /// Gives free slots to queued requests, first come first served, each to the slot whose cached tokens
    /// share the longest prefix with its prompt (or, with none, the least recently used free slot).
    private func admitLocked() {
        while !queue.isEmpty, let request = queue.first, active.count < slots.count {
            queue.removeFirst()
            let prompt = request.request.prompt
            var best: (slot: Int, shared: Int)?
            for (i, slot) in slots.enumerated() where slot.owner == nil {
                // A few shared tokens (BOS, a template's opening) are not worth evicting another cached
                // prompt for: below that, prefer an empty slot, then the least recently used one.
                var shared = config.prefixCache ? commonPrefix(slot.tokens, prompt) : 0
                if shared < Self.minimumReuse { shared = 0 }
                let better: Bool
                if let b = best {
                    let other = slots[b.slot]
                    if shared != b.shared {
                        better = shared > b.shared
                    } else if slot.tokens.isEmpty != other.tokens.isEmpty {
                        better = slot.tokens.isEmpty
                    } else {
                        better = slot.lastUsed < other.lastUsed
                    }
                } else {
                    better = true
                }
                if better { best = (i, shared) }
            }
            guard let chosen = best else { break }
            let slot = slots[chosen.slot]
            // At least the last prompt token is computed: its logits give the first generated token.
            var reuse = min(chosen.shared, prompt.count - 1)
            // A running sequence may hold a longer prefix (a burst of requests with one system prompt):
            // copy its rows instead of computing them again.
            if config.prefixCache {
                for other in slots where other.owner != nil && other !== slot {
                    let shared = min(commonPrefix(other.tokens, prompt), prompt.count - 1)
                    if shared > reuse + 16, (try? slot.cache.copyPrefix(from: other.cache, count: shared)) != nil {
                        slot.tokens = Array(other.tokens[0..<shared])
                        reuse = shared
                    }
                }
            }
            slot.cache.truncate(to: reuse)
            slot.tokens.removeSubrange(reuse...)
            clock += 1
            slot.lastUsed = clock
            let r = Running(pending: request, slot: slot, reused: reuse, tokenizer: engine.tokenizer)
            slot.owner = r.id
            active.append(r)
            activeIDs.insert(r.id)
            stats.prefixHitTokens += reuse
            request.continuation.yield(.admitted(promptTokens: prompt.count, cachedTokens: reuse))
        }
        stats.queued = queue.count
        refreshStatsLocked()
    }

    /// One forward pass over every running sequence, then sampling.
    private func step() {
        let model = engine.model
        let decoding = active.filter { $0.pendingToken != nil }
        // Drafts (none without speculation) only while every segment's worst case fits one pass.
        let fits = decoding.count * (1 + (config.speculation?.draftMax ?? 0)) <= model.options.maxBatch
        let drafts = decoding.map { fits ? draftTokens(for: $0) : [] }
        var segments: [BatchSegment] = zip(decoding, drafts).map { r, d in
            BatchSegment(tokens: [r.pendingToken!] + d, cache: r.slot.cache)
        }
        let decodingRows = segments.reduce(0) { $0 + $1.tokens.count }
        // Prompt chunks fill what the pass has left; small while others decode, so their streams keep flowing.
        var budget = model.options.maxBatch - decodingRows
        if !decoding.isEmpty { budget = min(budget, config.prefillChunk) }
        var prefilling: [(run: Running, count: Int)] = []
        for r in active where r.pendingToken == nil && r.prefilled < r.prompt.count && budget > 0 {
            let take = min(budget, r.prompt.count - r.prefilled)
            segments.append(BatchSegment(tokens: Array(r.prompt[r.prefilled..<(r.prefilled + take)]), cache: r.slot.cache))
            prefilling.append((r, take))
            budget -= take
        }
        guard !segments.isEmpty else { return }

        let hidden: HiddenStates
        do throws(ModelError) {
            if let inject = injectFailure, inject() { throw ModelError.invalidArgument("injected fault") }
            hidden = try model.forward(segments)
        } catch {
            condition.lock()
            for r in decoding { fail(r, error.description) }
            for (r, _) in prefilling { fail(r, error.description) }
            let finished = active.filter { $0.done }
            active.removeAll { $0.done }
            refreshStatsLocked()
            condition.unlock()
            deliverFinished(finished)
            return
        }
        // Which rows need logits: every decoding row, and the last row of each prompt that is now complete.
        var samples: [(run: Running, logits: ArraySlice<Float>)] = []
        let vocab = model.hyperparameters.vocabularySize
        var emitted = 0
        if !decoding.isEmpty {
            let logits = model.logits(hidden, rows: 0..<decodingRows)   // (decodingRows, vocab)
            var first = 0
            for (r, draft) in zip(decoding, drafts) {
                r.slot.tokens.append(r.pendingToken!)
                r.pendingToken = nil
                if draft.isEmpty {
                    samples.append((r, logits[(first * vocab)..<((first + 1) * vocab)]))
                } else {
                    emitted += verify(r, draft: draft, logits: logits[(first * vocab)..<((first + 1 + draft.count) * vocab)])
                }
                first += 1 + draft.count
            }
        }
        var row = decodingRows
        var computed = 0
        for (r, take) in prefilling {
            r.slot.tokens += r.prompt[r.prefilled..<(r.prefilled + take)]
            r.prefilled += take
            row += take
            computed += take
            if r.prefilled == r.prompt.count {
                samples.append((r, model.logits(hidden, rows: (row - 1)..<row)[...]))
            }
        }
        for (r, logits) in samples where sample(r, logits: logits) { emitted += 1 }

        condition.lock()
        stats.forwardPasses += 1
        stats.promptTokensComputed += computed
        stats.generatedTokens += emitted
        let finished = active.filter { $0.done }
        for r in finished { finishBookkeepingLocked(r) }
        active.removeAll { $0.done }
        refreshStatsLocked()
        condition.unlock()
        deliverFinished(finished)
    }

    /// Samples the next token of `r` from its logits and streams it; ends the sequence on a stop.
    /// Returns whether a token was emitted (an end-of-generation token is not).
    @discardableResult
    private func sample(_ r: Running, logits: ArraySlice<Float>) -> Bool {
        // Log-probabilities come from the raw distribution, so they are read before the sampler filters.
        var reported: (logprob: Float, top: [(id: TokenID, logprob: Float)])?
        let id: TokenID
        if let constraint = r.constraint {
            // Structured output: a complete sentence that nothing may extend, or a dead end, ends here.
            guard !constraint.isFinished,
                  let picked = r.sampler.sample(logits: Array(logits), history: r.history, constraint: constraint) else {
                end(r, .stop, flush: true)
                return false
            }
            constraint.accept(picked)
            id = picked
        } else {
            // Greedy picks read the row in place; other sampling works on one scratch row kept across passes.
            id = logits.withUnsafeBufferPointer { r.sampler.sample(logits: $0, history: r.history, scratch: &samplingScratch) }
        }
        if let k = r.request.topLogprobs {
            logits.withUnsafeBufferPointer { buf in
                reported = (LogProbs.logprob(of: id, in: buf), k > 0 ? LogProbs.top(buf, k: k) : [])
            }
        }
        if r.generated == 0 { r.firstToken = DispatchTime.now().uptimeNanoseconds }
        if engine.tokenizer.isEndOfGeneration(id) {
            end(r, .stop, flush: true)   // text held back as a possible stop string is real output
            return false
        }
        let token = SampledToken(id: id, logprob: reported?.logprob, top: reported?.top ?? [])
        r.generated += 1
        r.history.append(id)
        let (text, hitStop) = r.stops.feed(r.detokenizer.append(id))
        r.continuation.yield(.token(token, text: text))
        if hitStop {
            end(r, .stop)
        } else if r.generated >= r.request.maxTokens || r.slot.tokens.count + 1 >= r.slot.cache.capacity {
            end(r, .length)
        } else {
            r.pendingToken = id
        }
        return true
    }

    /// Prompt-lookup drafts for a decoding sequence: never past its max tokens or its context. A
    /// sequence under a grammar gets none: its tokens are chosen one at a time through its matcher.
    private func draftTokens(for r: Running) -> [TokenID] {
        guard let spec = config.speculation, r.constraint == nil else { return [] }
        let room = min(spec.draftMax, r.request.maxTokens - r.generated - 1, r.slot.cache.capacity - r.slot.tokens.count - 2)
        guard room > 0 else { return [] }
        return PromptLookup(ngramMax: spec.ngramMax, tokenizer: engine.tokenizer).propose(r.history, limit: room)
    }

    /// Walks the rows of a speculative segment [pending, d1…dk]: row i's token is sampled as usual; while
    /// it equals d(i+1), that draft is already in the cache and row i+1 is valid, so it goes on. The
    /// emitted tokens are each the target's own sample given the tokens before it — for greedy decoding
    /// the same tokens as without speculation, for sampling the same distribution (a drafted token is
    /// kept with probability p(d), exactly the acceptance rule for a deterministic draft). Rows after
    /// the first mismatch are dropped from the cache. Returns the tokens emitted.
    private func verify(_ r: Running, draft: [TokenID], logits: ArraySlice<Float>) -> Int {
        let vocab = engine.model.hyperparameters.vocabularySize
        let base = logits.startIndex
        var emitted = 0
        var accepted = 0
        for i in 0...draft.count {
            guard sample(r, logits: logits[(base + i * vocab)..<(base + (i + 1) * vocab)]) else { break }
            emitted += 1
            guard i < draft.count, !r.done, r.pendingToken == draft[i] else { break }
            r.slot.tokens.append(draft[i])
            r.pendingToken = nil
            accepted += 1
        }
        // The cache keeps exactly the slot's tokens: pending tokens go in with the next pass.
        r.slot.cache.truncate(to: r.slot.tokens.count)
        condition.lock()
        stats.speculativeDrafted += draft.count
        stats.speculativeAccepted += accepted
        condition.unlock()
        return emitted
    }

    /// Marks `r` done and sends its summary (called on the scheduler thread outside the lock).
    private func end(_ r: Running, _ finish: SequenceFinish, flush: Bool = false, error: String? = nil) {
        let trailing = finish == .length || flush ? r.stops.finish(r.detokenizer.flush()) : ""
        var s = summary(r, finish, trailing)
        s.error = error
        r.outcome = s
        r.done = true
    }

    /// Sends the final event of finished sequences — after the figures (free slots, counts) were updated,
    /// so a client that sees its stream end sees a snapshot without it.
    private func deliverFinished(_ runs: [Running]) {
        for r in runs {
            guard let s = r.outcome else { continue }
            r.outcome = nil
            r.continuation.yield(.finished(s))
            r.continuation.finish()
        }
    }

    private func finishLocked(_ r: Running, _ finish: SequenceFinish) {
        guard !r.done else { return }
        end(r, finish)
        finishBookkeepingLocked(r)
    }

    private func fail(_ r: Running, _ message: String) {
        // The slot's rows past its last good state are unknown: forget its cache.
        r.slot.cache.reset()
        r.slot.tokens.removeAll()
        end(r, .failed, error: message)
        finishBookkeepingLocked(r)
    }

    private func finishBookkeepingLocked(_ r: Running) {
        r.slot.owner = nil
        activeIDs.remove(r.id)
        let total = seconds(since: r.submitted)
        if r.generated > 0 { meanServiceSeconds = 0.8 * meanServiceSeconds + 0.2 * total }
    }

    private func refreshStatsLocked() {
        stats.active = active.count
        stats.queued = queue.count
        var used = 0, cached = 0
        for s in slots { if s.owner != nil { used += s.tokens.count } else { cached += s.tokens.count } }
        stats.kvActiveTokens = used
        stats.kvCachedTokens = cached
    }

    private func summary(_ r: Running, _ finish: SequenceFinish, _ trailing: String) -> SequenceSummary {
        SequenceSummary(finish: finish, trailingText: trailing, promptTokens: r.prompt.count, cachedTokens: r.reused,
                        completionTokens: r.generated, queueSeconds: Double(r.admitted - r.submitted) / 1e9,
                        timeToFirstToken: r.firstToken.map { Double($0 - r.submitted) / 1e9 } ?? 0,
                        totalSeconds: seconds(since: r.submitted))
    }

    private func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }
}

private func commonPrefix(_ a: [TokenID], _ b: [TokenID]) -> Int {
    var i = 0
    let n = min(a.count, b.count)
    while i < n && a[i] == b[i] { i += 1 }
    return i
}

/// A request waiting for a slot.
private struct Pending {
    let id: UInt64
    let request: SequenceRequest
    let sampler: Sampler
    let constraint: TokenConstraint?
    let continuation: AsyncStream<SequenceEvent>.Continuation
    let submitted: UInt64
}

/// A KV cache and the tokens it holds, in order (`tokens.count == cache.count`).
private final class Slot {
    let cache: KVCache
    var tokens: [TokenID] = []
    var owner: UInt64?
    var lastUsed: UInt64 = 0
    init(cache: KVCache) { self.cache = cache }
}

/// A sequence holding a slot. Touched only by the scheduler thread.
private final class Running {
    let id: UInt64
    let request: SequenceRequest
    let continuation: AsyncStream<SequenceEvent>.Continuation
    let slot: Slot
    let reused: Int
    let submitted: UInt64
    let admitted: UInt64
    var sampler: Sampler
    let constraint: TokenConstraint?  // structured output: this sequence's grammar state
    var detokenizer: StreamingDetokenizer
    var stops: StopMatcher
    var prefilled: Int              // prompt tokens in the cache
    var history: [TokenID]          // prompt + generated, for the penalties
    var generated = 0
    var pendingToken: TokenID?      // sampled, streamed, not yet in the cache
    var firstToken: UInt64?
    var done = false
    var outcome: SequenceSummary?   // set when done, sent once the figures are updated

    var prompt: [TokenID] { request.prompt }

    init(pending p: Pending, slot: Slot, reused: Int, tokenizer: Tokenizer) {
        id = p.id
        request = p.request
        continuation = p.continuation
        self.slot = slot
        self.reused = reused
        submitted = p.submitted
        admitted = DispatchTime.now().uptimeNanoseconds
        sampler = p.sampler
        constraint = p.constraint
        detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        stops = StopMatcher(stops: p.request.stop)
        prefilled = reused
        history = p.request.prompt
    }
}
