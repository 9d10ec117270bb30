import Foundation
import Inference
import Server
import XCTest

/// A batch-invariant engine on the SIMD path: a greedy answer from the server is the solo answer whether
/// the prompt was cold or came from the prefix cache, prefilled in small chunks beside other sequences'
/// decoding or alone. (Without the option, cold and cached prompts round differently on this path.)
final class BatchInvariantSchedulerTests: XCTestCase {
    override func setUp() { Kernels.initialize(forceGeneric: false) }

    func testGreedyAnswerDoesNotDependOnCacheOrCompany() async throws {
        guard FileManager.default.fileExists(atPath: TestServer.modelPath) else { throw XCTSkip("SmolLM2 absent") }
        let engine = try Engine(path: TestServer.modelPath, options: ModelOptions(threads: 2, maxBatch: 64, batchInvariant: true))
        let question = engine.promptTokens("The maintenance log of the bottling plant records every fault on line three. "
                                           + "On Monday the filler stopped twice because the level sensor drifted, and the technician")
        let other = engine.promptTokens("Write a short poem about rivers and bridges.")
        let solo = try Generator(engine: engine).generate(GenerationRequest(prompt: question, maxTokens: 24), contextSize: 256).text
        XCTAssertFalse(solo.isEmpty)

        // Small prefill chunks: the question is prefilled over several passes beside the other's decoding.
        let scheduler = try BatchScheduler(engine: engine, config: SchedulerConfig(parallel: 2, contextSize: 256, maxQueue: 4, prefillChunk: 5))
        defer { scheduler.cancelAll(); scheduler.stop() }
        let first = try scheduler.submit(SequenceRequest(prompt: other, maxTokens: 30))
        let cold = try scheduler.submit(SequenceRequest(prompt: question, maxTokens: 24, topLogprobs: 0))
        let coldResult = await CollectedSequence.of(cold)
        _ = await CollectedSequence.of(first)
        XCTAssertEqual(coldResult.text, solo, "cold prompt, batched with another sequence")
        XCTAssertEqual(coldResult.summary?.cachedTokens, 0)

        // The same question again: its prompt now comes from the prefix cache (all but the last token).
        let cached = try scheduler.submit(SequenceRequest(prompt: question, maxTokens: 24, topLogprobs: 0))
        let cachedResult = await CollectedSequence.of(cached)
        XCTAssertEqual(cachedResult.text, solo, "prompt from the prefix cache")
        // Not only the same tokens: the same log-probabilities, bit for bit.
        XCTAssertEqual(cachedResult.logprobs, coldResult.logprobs, "cold and cached logits differ")
        XCTAssertFalse(coldResult.logprobs.isEmpty)
        XCTAssertGreaterThan(cachedResult.summary?.cachedTokens ?? 0, question.count / 2)
    }

    func testConfigurationKey() throws {
        var c = ServerConfiguration()
        XCTAssertFalse(c.batchInvariant)
        try c.apply(yaml: "batch_invariant: true", baseDirectory: "/")
        XCTAssertTrue(c.batchInvariant)
        XCTAssertThrowsError(try c.apply(yaml: "batch_invariant: 3", baseDirectory: "/")) {
            XCTAssertTrue("\($0)".contains("'batch_invariant' must be true or false"), "\($0)")
        }
    }
}
