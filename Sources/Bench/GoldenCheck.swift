import Foundation
import Inference

/// The reference-data format of `shared/golden/*.json` (produced by llama.cpp).
public struct GoldenFile: Decodable, Sendable {
    public struct TokenizeCase: Decodable, Sendable {
        public let text: String
        public let ids: [TokenID]
        public let ids_add_special: [TokenID]
    }
    public struct ChatCase: Decodable, Sendable {
        public let messages: [ChatMessage]
        public let add_generation_prompt: Bool
        public let prompt: String
    }
    public struct Step: Decodable, Sendable {
        public let id: TokenID
        public let logprob: Double
        public let top: [[Double]]   // [[id, logprob] x5]
    }
    public struct GreedyCase: Decodable, Sendable {
        public let prompt: String
        public let prompt_ids: [TokenID]
        public let tokens: [TokenID]
        public let text: String
        public let steps: [Step]
    }
    public let model: String?
    public let tokenize: [TokenizeCase]
    public let chat: [ChatCase]
    public let greedy: [GreedyCase]

    public static func load(path: String) throws(EngineError) -> GoldenFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read golden file \(path)") }
        do { return try JSONDecoder().decode(GoldenFile.self, from: data) } catch {
            throw .io("golden file \(path) is not in the expected format: \(error)")
        }
    }
}

/// One checked case.
public struct GoldenCaseResult: Sendable {
    public let section: String
    public let index: Int
    public let passed: Bool
    public let detail: String
    /// Greedy cases: every step aligned with the reference, teacher-forced through the whole continuation.
    public var steps: [GreedyStep] = []
}

/// One generated position of a greedy case, ours against the reference.
public struct GreedyStep: Sendable {
    public let position: Int
    public let reference: TokenID
    public let referenceLogProb: Double
    /// Reference top-1 minus top-2 log-probability.
    public let referenceGap: Double
    public let ours: TokenID
    public let oursLogProb: Double
    public let oursLogProbOfReference: Double

    public var delta: Double { abs(oursLogProbOfReference - referenceLogProb) }
}

/// Agreement over every teacher-forced step of a file's greedy cases.
public struct GreedyAgreement: Sendable {
    public let steps: Int
    public let meanDelta: Double
    public let p95Delta: Double
    public let maxDelta: Double
    /// Steps where our top-1 differs from the reference's, and the largest reference gap among them.
    public let top1Mismatches: Int
    public let largestGapAtMismatch: Double

    public init(_ results: [GoldenCaseResult]) {
        let all = results.flatMap(\.steps)
        let deltas = all.map(\.delta).sorted()
        steps = all.count
        meanDelta = deltas.isEmpty ? 0 : deltas.reduce(0, +) / Double(deltas.count)
        p95Delta = deltas.isEmpty ? 0 : deltas[min(deltas.count - 1, Int(Double(deltas.count) * 0.95))]
        maxDelta = deltas.last ?? 0
        let mismatches = all.filter { $0.ours != $0.reference }
        top1Mismatches = mismatches.count
        largestGapAtMismatch = mismatches.map(\.referenceGap).max() ?? 0
    }
}

/// Runs every tokenize, chat and greedy case of a golden file against an engine.
///
/// Greedy: generation starts from the reference `prompt_ids`; at each step our top-1 token must equal the
/// reference's and our log-probability of the reference token must be within `tolerance`, up to and
/// including the first step whose reference top-1/top-2 gap is below `tieGap` (after a near tie, both
/// engines may legitimately diverge). The reference token is fed back at every compared step.
public struct GoldenCheck {
    public var tolerance: Double
    public var tieGap: Double

    public init(tolerance: Double = 0.05, tieGap: Double = 0.05) {
        self.tolerance = tolerance
        self.tieGap = tieGap
    }

    public func run(engine: Engine, golden: GoldenFile, sections: Set<String> = ["tokenize", "chat", "greedy"],
                    onResult: (GoldenCaseResult) -> Void = { _ in }) throws(EngineError) -> [GoldenCaseResult] {
        var results: [GoldenCaseResult] = []
        func record(_ r: GoldenCaseResult) { results.append(r); onResult(r) }
        if sections.contains("tokenize") {
            for (i, c) in golden.tokenize.enumerated() { record(checkTokenize(engine, c, index: i)) }
        }
        if sections.contains("chat") {
            for (i, c) in golden.chat.enumerated() { record(checkChat(engine, c, index: i)) }
        }
        if sections.contains("greedy") {
            for (i, c) in golden.greedy.enumerated() { record(try checkGreedy(engine, c, index: i)) }
        }
        return results
    }

    func checkTokenize(_ engine: Engine, _ c: GoldenFile.TokenizeCase, index: Int) -> GoldenCaseResult {
        let plain = engine.tokenizer.encode(c.text, addSpecial: false, parseSpecial: true)
        let special = engine.tokenizer.encode(c.text, addSpecial: true, parseSpecial: true)
        var problems: [String] = []
        if plain != c.ids { problems.append("ids \(plain) != reference \(c.ids)") }
        if special != c.ids_add_special { problems.append("ids_add_special \(special) != reference \(c.ids_add_special)") }
        return GoldenCaseResult(section: "tokenize", index: index, passed: problems.isEmpty,
                                detail: "\(c.text.debugDescription.prefix(60)): " + (problems.isEmpty ? "ok" : problems.joined(separator: "; ")))
    }

    func checkChat(_ engine: Engine, _ c: GoldenFile.ChatCase, index: Int) -> GoldenCaseResult {
        do {
            let rendered = try engine.renderChat(c.messages, addGenerationPrompt: c.add_generation_prompt)
            let ok = rendered == c.prompt
            return GoldenCaseResult(section: "chat", index: index, passed: ok,
                                    detail: ok ? "\(c.messages.count) messages: ok" : "rendered \(rendered.debugDescription) != reference \(c.prompt.debugDescription)")
        } catch {
            return GoldenCaseResult(section: "chat", index: index, passed: false, detail: error.description)
        }
    }

    func checkGreedy(_ engine: Engine, _ c: GoldenFile.GreedyCase, index: Int) throws(EngineError) -> GoldenCaseResult {
        let model = engine.model
        let label = c.prompt.debugDescription.prefix(50)
        let ours = engine.promptTokens(c.prompt)
        guard ours == c.prompt_ids else {
            return GoldenCaseResult(section: "greedy", index: index, passed: false,
                                    detail: "\(label): prompt tokenizes to \(ours), reference \(c.prompt_ids)")
        }
        let cache: KVCache
        do { cache = try model.makeCache(capacity: c.prompt_ids.count + c.tokens.count + 1) } catch { throw .model(error) }
        var logits: [Float]
        do { logits = try model.prefill(c.prompt_ids, cache: cache) } catch { throw .model(error) }
        // llama-server omits the probabilities of a token that ends inside a UTF-8 character, so steps
        // are aligned to the generated tokens by id; positions without a step are fed but not compared.
        var stepAt = [Int?](repeating: nil, count: c.tokens.count)
        var s = 0
        for (t, id) in c.tokens.enumerated() where s < c.steps.count && c.steps[s].id == id {
            stepAt[t] = s
            s += 1
        }
        // Teacher-force the reference tokens through the whole continuation, recording every aligned step;
        // the verdict then follows the protocol (stop at the first near tie), while the statistics use all.
        var records: [GreedyStep] = []
        for (t, token) in c.tokens.enumerated() {
            if let s = stepAt[t] {
                let step = c.steps[s]
                let (best, bestLogProb, refLogProb) = logits.withUnsafeBufferPointer { buf in
                    Self.argmaxAndLogProb(buf, of: Int(step.id))
                }
                let gap = step.top.count >= 2 ? step.top[0][1] - step.top[1][1] : .infinity
                records.append(GreedyStep(position: t, reference: step.id, referenceLogProb: step.logprob, referenceGap: gap,
                                          ours: best, oursLogProb: bestLogProb, oursLogProbOfReference: refLogProb))
            }
            if t == c.tokens.count - 1 { break }
            do {
                let hidden = try model.forward([token], cache: cache)
                logits = model.logits(hidden, rows: 0..<1)
            } catch {
                throw .model(error)
            }
        }
        var compared = 0
        var maxDelta = 0.0
        for r in records {
            compared += 1
            maxDelta = max(maxDelta, r.delta)
            if r.ours != r.reference && r.referenceGap >= tieGap {
                return GoldenCaseResult(section: "greedy", index: index, passed: false,
                                        detail: "\(label): token \(r.position) picked \(r.ours) (logprob \(fmt(r.oursLogProb))), reference \(r.reference) (logprob \(fmt(r.referenceLogProb)), ours \(fmt(r.oursLogProbOfReference)), gap \(fmt(r.referenceGap)))",
                                        steps: records)
            }
            if r.delta > tolerance {
                return GoldenCaseResult(section: "greedy", index: index, passed: false,
                                        detail: "\(label): token \(r.position) logprob of \(r.reference) is \(fmt(r.oursLogProbOfReference)), reference \(fmt(r.referenceLogProb)) (|Δ| \(fmt(r.delta)) > \(tolerance))",
                                        steps: records)
            }
            if r.referenceGap < tieGap { break }
        }
        return GoldenCaseResult(section: "greedy", index: index, passed: true,
                                detail: "\(label): \(compared) steps compared of \(c.steps.count), max |Δlogprob| \(fmt(maxDelta))",
                                steps: records)
    }

    /// (argmax id, its log-probability, log-probability of `target`).
    static func argmaxAndLogProb(_ logits: UnsafeBufferPointer<Float>, of target: Int) -> (TokenID, Double, Double) {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        let maxLogit = Double(logits[best])
        var sum = 0.0
        for v in logits { sum += exp(Double(v) - maxLogit) }
        let logZ = maxLogit + log(sum)
        let t = target >= 0 && target < logits.count ? Double(logits[target]) - logZ : -.infinity
        return (TokenID(best), Double(logits[best]) - logZ, t)
    }

    private func fmt(_ x: Double) -> String { String(format: "%.4f", x) }
}
