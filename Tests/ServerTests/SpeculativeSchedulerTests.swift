import Foundation
import Inference
import Server
import XCTest

/// Prompt-lookup speculation inside continuous batching: sequences that decode together, each with its
/// drafts in its own segment, get exactly the greedy text each gets alone without speculation (generic
/// kernels, whose rows do not depend on the batch), and the drafted/accepted totals are counted.
final class SpeculativeSchedulerTests: XCTestCase {
    override func setUp() { Kernels.initialize(forceGeneric: true) }
    override func tearDown() { Kernels.initialize(forceGeneric: false) }

    func testSpeculativeBatchEqualsPlainSoloRuns() async throws {
        guard FileManager.default.fileExists(atPath: TestServer.modelPath) else { throw XCTSkip("SmolLM2 absent") }
        let engine = try Engine(path: TestServer.modelPath, options: ModelOptions(threads: 2, maxBatch: 64))
        let texts = ["Repeat after me: red, green, blue, red, green, blue, red, green,",
                     "Copy the code: let x = 1; let y = 2; let z = 3; Copy the code: let x = 1;"]
        let prompts = texts.map { engine.promptTokens($0) }
        let solo = try prompts.map {
            try Generator(engine: engine).generate(GenerationRequest(prompt: $0, maxTokens: 20), contextSize: 256).text
        }
        let scheduler = try BatchScheduler(engine: engine, config: SchedulerConfig(
            parallel: 2, contextSize: 256, maxQueue: 4, prefillChunk: 8, speculation: PromptLookupSettings(draftMax: 6)))
        defer { scheduler.cancelAll(); scheduler.stop() }
        let handles = try prompts.map { try scheduler.submit(SequenceRequest(prompt: $0, maxTokens: 20)) }
        var results: [String] = []
        for h in handles {
            var text = ""
            for await e in h.events {
                switch e {
                case .token(_, let t): text += t
                case .finished(let s): text += s.trailingText
                case .admitted: break
                }
            }
            results.append(text)
        }
        XCTAssertEqual(results, solo)
        let s = scheduler.snapshot()
        XCTAssertGreaterThan(s.speculativeDrafted, 0)
        XCTAssertGreaterThan(s.speculativeAccepted, 0)
        XCTAssertLessThanOrEqual(s.speculativeAccepted, s.speculativeDrafted)
    }
}
