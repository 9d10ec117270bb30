import Bench
import Foundation
import Inference
import TestSupport
import XCTest

/// Greedy speculative decoding against plain greedy decoding on the golden prompts of the three
/// reference models: the tokens must be identical (speculation may only change the speed), and both
/// must follow llama.cpp's reference tokens up to the first step the reference calls a near-tie.
final class SpeculativeGreedyTests: XCTestCase {
    override class func setUp() { Kernels.initialize(forceGeneric: false) }

    private func load(_ r: TestPaths.Reference) throws -> (Engine, GoldenFile) {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return (try Engine(path: r.modelPath, options: ModelOptions(threads: 2)), try GoldenFile.load(path: r.goldenPath))
    }

    /// Reference tokens up to (not including) the first step whose top-1/top-2 log-probability gap is
    /// below `tieGap`.
    private func confidentPrefix(_ g: GoldenFile.GreedyCase, tieGap: Double) -> [TokenID] {
        var out: [TokenID] = []
        for (step, id) in zip(g.steps, g.tokens) {
            guard step.top.count >= 2, step.top[0][1] - step.top[1][1] >= tieGap else { break }
            out.append(id)
        }
        return out
    }

    private func check(_ r: TestPaths.Reference, spec: SpeculationConfig, tieGap: Double = 0.33) throws {
        let (engine, golden) = try load(r)
        let generator = Generator(engine: engine)
        var total = SpeculationStats()
        for (index, g) in golden.greedy.enumerated() {
            let plainRequest = GenerationRequest(prompt: g.prompt_ids, maxTokens: g.tokens.count, stopAtEndOfGeneration: false)
            var specRequest = plainRequest
            specRequest.speculation = spec
            let plain = try generator.generate(plainRequest, contextSize: 256)
            let fast = try generator.generate(specRequest, contextSize: 256)
            XCTAssertEqual(fast.tokens, plain.tokens, "\(r) greedy[\(index)] \(g.prompt.debugDescription)")
            XCTAssertEqual(fast.text, plain.text)
            let reference = confidentPrefix(g, tieGap: tieGap)
            XCTAssertEqual(Array(fast.tokens.prefix(reference.count)), reference, "\(r) greedy[\(index)] against llama.cpp")
            total = total + (fast.speculation ?? SpeculationStats())
        }
        // The comparison means something only if drafts were verified, accepted and rejected.
        XCTAssertGreaterThan(total.drafted, 20, "\(r): \(total)")
        XCTAssertGreaterThan(total.accepted, 0, "\(r): \(total)")
        XCTAssertLessThan(total.accepted, total.drafted, "\(r): \(total)")
    }

    func testSmolLM2LookupEqualsPlainGreedy() throws { try check(.smollm2, spec: SpeculationConfig(mode: .lookup)) }
    func testGemma3LookupEqualsPlainGreedy() throws { try check(.gemma3, spec: SpeculationConfig(mode: .lookup)) }
    func testQwen25LookupEqualsPlainGreedy() throws { try check(.qwen25, spec: SpeculationConfig(mode: .lookup)) }

    /// SmolLM2 drafting for itself: every draft should be accepted unless batched and single-token
    /// arithmetic round a near-tie differently; output identical either way.
    func testSmolLM2DraftModelEqualsPlainGreedy() throws {
        let r = TestPaths.Reference.smollm2
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("model absent") }
        let draft = try Engine(path: r.modelPath, options: ModelOptions(threads: 2))
        let (engine, golden) = try load(r)
        let generator = Generator(engine: engine)
        var total = SpeculationStats()
        for g in golden.greedy.prefix(4) {
            let plain = try generator.generate(GenerationRequest(prompt: g.prompt_ids, maxTokens: 32), contextSize: 128)
            let fast = try generator.generate(GenerationRequest(prompt: g.prompt_ids, maxTokens: 32,
                speculation: SpeculationConfig(mode: .draft, draftMax: 4, draft: draft)), contextSize: 128)
            XCTAssertEqual(fast.tokens, plain.tokens)
            total = total + (fast.speculation ?? SpeculationStats())
        }
        XCTAssertGreaterThan(total.drafted, 20)
        XCTAssertGreaterThan(total.acceptanceRate, 0.9, "\(total)")
    }

    func testDraftWithAnotherVocabularyIsRefused() throws {
        let a = TestPaths.Reference.smollm2, b = TestPaths.Reference.qwen25
        guard FileManager.default.fileExists(atPath: a.modelPath), FileManager.default.fileExists(atPath: b.modelPath) else {
            throw XCTSkip("models absent")
        }
        let target = try Engine(path: a.modelPath)
        let draft = try Engine(path: b.modelPath)
        let request = GenerationRequest(prompt: target.promptTokens("Hello"), maxTokens: 4,
                                        speculation: SpeculationConfig(mode: .draft, draft: draft))
        XCTAssertThrowsError(try Generator(engine: target).generate(request, contextSize: 64)) { error in
            XCTAssertTrue("\(error)".contains("vocabulary"), "\(error)")
        }
    }

    /// Sampling with speculation: same seed, same tokens on every run, every token valid, and the
    /// run ends as the request says (a cheap guard on the sampling path; its distribution is tested
    /// on synthetic distributions in SpeculativeSamplingTests).
    func testSampledSpeculationIsReproducible() throws {
        let (engine, _) = try load(.smollm2)
        let prompt = engine.promptTokens("List: apples, pears, plums. Again: apples, pears, plums. Again:")
        var sampler = SamplerConfig(temperature: 0.7)
        sampler.seed = 11
        let request = GenerationRequest(prompt: prompt, maxTokens: 24, sampler: sampler, stopAtEndOfGeneration: false,
                                        speculation: SpeculationConfig(mode: .lookup))
        let a = try Generator(engine: engine).generate(request, contextSize: 128)
        let b = try Generator(engine: engine).generate(request, contextSize: 128)
        XCTAssertEqual(a.tokens, b.tokens)
        XCTAssertEqual(a.tokens.count, 24)
        XCTAssertGreaterThan(a.speculation?.drafted ?? 0, 0)
    }
}
