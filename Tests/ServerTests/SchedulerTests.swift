import Foundation
import Inference
import Server
import XCTest

/// Continuous batching: sequences that share passes get exactly what each gets alone (checked on the
/// generic kernels, whose rows do not depend on the batch), the queue is bounded, limits are honest.
final class SchedulerTests: XCTestCase {
    override func setUp() { Kernels.initialize(forceGeneric: true) }
    override func tearDown() { Kernels.initialize(forceGeneric: false) }

    private func engine() throws -> Engine {
        guard FileManager.default.fileExists(atPath: TestServer.modelPath) else { throw XCTSkip("SmolLM2 absent") }
        return try Engine(path: TestServer.modelPath, options: ModelOptions(threads: 2, maxBatch: 64))
    }

    func testConcurrentSequencesEqualSoloRuns() async throws {
        let engine = try engine()
        let texts = ["Rain is", "My favourite fruit is the", "Bonjour means hello in French, and greetings matter because"]
        let prompts = texts.map { engine.promptTokens($0) }
        let soloRuns = try prompts.map { try Generator(engine: engine).generate(GenerationRequest(prompt: $0, maxTokens: 5), contextSize: 256) }
        let solo = soloRuns.map(\.text)
        // Small prefill chunks so prompts are prefilled across several passes, interleaved with decoding.
        let scheduler = try BatchScheduler(engine: engine, config: SchedulerConfig(parallel: 3, contextSize: 256, maxQueue: 4, prefillChunk: 3))
        defer { scheduler.cancelAll(); scheduler.stop() }
        let handles = try prompts.map { try scheduler.submit(SequenceRequest(prompt: $0, maxTokens: 5)) }
        var results: [String] = []
        for h in handles { results.append(await CollectedSequence.of(h).text) }
        XCTAssertEqual(results, solo)
        let s = scheduler.snapshot()
        XCTAssertEqual(s.generatedTokens, soloRuns.map(\.tokens.count).reduce(0, +))
        XCTAssertLessThan(s.forwardPasses, 15 + prompts.map(\.count).reduce(0, +) / 3, "sequences did not share passes")
        XCTAssertEqual(s.active, 0)
    }

    func testQueueIsBoundedAndLimitsAreChecked() async throws {
        let engine = try engine()
        let scheduler = try BatchScheduler(engine: engine, config: SchedulerConfig(parallel: 1, contextSize: 64, maxQueue: 1))
        defer { scheduler.cancelAll(); scheduler.stop() }
        let prompt = engine.promptTokens("Once upon a time")
        XCTAssertThrowsError(try scheduler.submit(SequenceRequest(prompt: prompt, maxTokens: 64))) {
            guard case SchedulerError.contextExceeded(let p, 64, 64) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(p, prompt.count)
        }
        XCTAssertThrowsError(try scheduler.submit(SequenceRequest(prompt: [], maxTokens: 1)))
        XCTAssertThrowsError(try scheduler.submit(SequenceRequest(prompt: [999_999], maxTokens: 1)))
        // One runs, one waits; the third is refused with a retry hint.
        let a = try scheduler.submit(SequenceRequest(prompt: prompt, maxTokens: 40))
        let b = try scheduler.submit(SequenceRequest(prompt: prompt, maxTokens: 2))
        var refused = false
        for _ in 0..<50 {
            do { _ = try scheduler.submit(SequenceRequest(prompt: prompt, maxTokens: 2)) } catch SchedulerError.overloaded(let after) {
                XCTAssertGreaterThanOrEqual(after, 1)
                refused = true
                break
            }
        }
        XCTAssertTrue(refused)
        scheduler.cancel(a.id)
        let ra = await CollectedSequence.of(a), rb = await CollectedSequence.of(b)
        XCTAssertEqual(ra.summary?.finish, .cancelled)
        XCTAssertEqual(rb.summary?.finish, .length)
        XCTAssertEqual(rb.summary?.completionTokens, 2)
    }

    func testDrainRefusesNewWorkAndCancelsAfterGrace() async throws {
        let engine = try engine()
        let scheduler = try BatchScheduler(engine: engine, config: SchedulerConfig(parallel: 1, contextSize: 256))
        let h = try scheduler.submit(SequenceRequest(prompt: engine.promptTokens("Once upon a time"), maxTokens: 200))
        scheduler.drain(grace: 0.3)
        XCTAssertThrowsError(try scheduler.submit(SequenceRequest(prompt: [1, 2], maxTokens: 1))) {
            XCTAssertEqual($0 as? SchedulerError, .shuttingDown)
        }
        let r = await CollectedSequence.of(h)
        XCTAssertEqual(r.summary?.finish, .cancelled)
        scheduler.stop()
        for _ in 0..<100 where !scheduler.isFinished { usleep(10_000) }
        XCTAssertTrue(scheduler.isFinished)
    }
}
