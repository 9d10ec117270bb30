import Foundation
import Inference
import TestSupport
import XCTest

final class GenerationTests: XCTestCase {
    func testStopMatcherHoldsBackPartialStopStrings() {
        var m = StopMatcher(stops: ["</end>", "STOP"])
        XCTAssertEqual(m.feed("hello <").0, "hello ")
        XCTAssertEqual(m.feed("/en").0, "")
        let (out, hit) = m.feed("d> tail")
        XCTAssertEqual(out, "")
        XCTAssertTrue(hit)
        var n = StopMatcher(stops: ["STOP"])
        XCTAssertEqual(n.feed("ST").0, "")
        XCTAssertEqual(n.feed("ATE of").0, "STATE of")
        XCTAssertEqual(n.finish("ST"), "ST")
        var none = StopMatcher(stops: [])
        XCTAssertEqual(none.feed("abc").0, "abc")
    }

    private func smol() throws -> Engine {
        let r = TestPaths.Reference.smollm2
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("model absent; run scripts/fetch-models") }
        Kernels.initialize(forceGeneric: false)
        return try Engine(path: r.modelPath)
    }

    func testGreedyGenerationMatchesReferenceTextAndStops() throws {
        let engine = try smol()
        let generator = Generator(engine: engine)
        let prompt = engine.promptTokens("The capital of France is")
        var streamed = ""
        let full = try generator.generate(GenerationRequest(prompt: prompt, maxTokens: 3), contextSize: 64) { streamed += $0; return true }
        XCTAssertEqual(full.text, " Paris.\n")     // llama.cpp's greedy continuation begins " Paris.\n\n"
        XCTAssertEqual(streamed, full.text)
        XCTAssertEqual(full.finishReason, .length)
        let stopped = try generator.generate(GenerationRequest(prompt: prompt, maxTokens: 30, stop: ["."]), contextSize: 64)
        XCTAssertEqual(stopped.text, " Paris")
        XCTAssertEqual(stopped.finishReason, .stop)
    }

    func testContextOverflowIsAnErrorNotATruncation() throws {
        let engine = try smol()
        let prompt = engine.promptTokens(String(repeating: "word ", count: 100))
        XCTAssertThrowsError(try Generator(engine: engine).generate(GenerationRequest(prompt: prompt, maxTokens: 4), contextSize: 32)) { error in
            XCTAssertTrue("\(error)".contains("context holds 32"), "\(error)")
        }
    }

    func testGenerationEndsAtContextLimit() throws {
        let engine = try smol()
        let prompt = engine.promptTokens("Count: 1, 2, 3,")
        let r = try Generator(engine: engine).generate(GenerationRequest(prompt: prompt, maxTokens: 100), contextSize: prompt.count + 5)
        XCTAssertEqual(r.finishReason, .length)
        XCTAssertLessThanOrEqual(r.tokens.count, 6)
    }

    func testSameSeedSameTokens() throws {
        let engine = try smol()
        let prompt = engine.promptTokens("Once upon a time")
        var config = SamplerConfig()
        config.temperature = 1.0
        config.seed = 1234
        let g = Generator(engine: engine)
        let a = try g.generate(GenerationRequest(prompt: prompt, maxTokens: 20, sampler: config), contextSize: 64)
        let b = try g.generate(GenerationRequest(prompt: prompt, maxTokens: 20, sampler: config), contextSize: 64)
        XCTAssertEqual(a.tokens, b.tokens)
        XCTAssertEqual(a.tokens.count, 20)
    }
}
