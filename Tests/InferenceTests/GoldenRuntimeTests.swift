import Bench
import Foundation
import Inference
import TestSupport
import XCTest

/// The runtime against llama.cpp's reference data for the three real models.
///
/// Greedy agreement: with 8-bit quantized activations these small models are numerically chaotic — a
/// 1e-7 relative perturbation of the embeddings moves step log-probabilities by up to ~0.07 — so two
/// correct engines on different CPUs agree only statistically. llama.cpp itself (llama-cpp-python
/// 0.3.36, this AVX2 machine) against the golden files, which were made on an AVX-512 machine, has mean
/// |Δ logprob| 0.033 / 0.047 / 0.017 (SmolLM2 / Gemma 3 / Qwen2.5) over all teacher-forced steps, p95
/// up to 0.17, max up to 0.37, and top-1 disagreements only where the reference gap is below 0.33. The
/// bounds below hold Outpost to that same band; a real defect (a wrong rope, norm or mask) moves the
/// mean by far more.
final class GoldenRuntimeTests: XCTestCase {
    override class func setUp() {
        Kernels.initialize(forceGeneric: false)
    }

    private func engine(_ r: TestPaths.Reference) throws -> (Engine, GoldenFile) {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        let engine = try Engine(path: r.modelPath, options: ModelOptions(threads: 2))
        return (engine, try GoldenFile.load(path: r.goldenPath))
    }

    private func checkAgreement(_ r: TestPaths.Reference, meanBound: Double) throws {
        let (engine, golden) = try engine(r)
        let results = try GoldenCheck().run(engine: engine, golden: golden)
        for section in ["tokenize", "chat"] {
            for failure in results.filter({ $0.section == section && !$0.passed }) {
                XCTFail("\(r) \(section)[\(failure.index)]: \(failure.detail)")
            }
        }
        let greedy = results.filter { $0.section == "greedy" }
        XCTAssertEqual(greedy.count, golden.greedy.count)
        for g in greedy where g.detail.contains("prompt tokenizes") { XCTFail("\(r) greedy[\(g.index)]: \(g.detail)") }
        let a = GreedyAgreement(greedy)
        XCTAssertGreaterThan(a.steps, 300, "too few aligned steps")
        XCTAssertLessThanOrEqual(a.meanDelta, meanBound, "\(r): mean |Δlogprob| over \(a.steps) steps")
        XCTAssertLessThanOrEqual(a.p95Delta, 0.25, "\(r): p95 |Δlogprob|")
        XCTAssertLessThanOrEqual(a.maxDelta, 0.6, "\(r): max |Δlogprob|")
        XCTAssertLessThan(a.largestGapAtMismatch, 0.6, "\(r): top-1 differs where the reference is not near a tie")
        // The same file under the protocol, at a tolerance wide enough for cross-CPU noise.
        let loose = try GoldenCheck(tolerance: 0.6, tieGap: 0.6).run(engine: engine, golden: golden, sections: ["greedy"])
        for failure in loose where !failure.passed { XCTFail("\(r) greedy[\(failure.index)] at tolerance 0.6: \(failure.detail)") }
    }

    func testSmolLM2AgreesWithReference() throws { try checkAgreement(.smollm2, meanBound: 0.05) }
    func testGemma3AgreesWithReference() throws { try checkAgreement(.gemma3, meanBound: 0.065) }
    func testQwen25AgreesWithReference() throws { try checkAgreement(.qwen25, meanBound: 0.03) }

    private func checkPerplexity(_ r: TestPaths.Reference, reference: Double) throws {
        let (engine, _) = try engine(r)
        let text = try String(contentsOf: TestPaths.goldenDir.appendingPathComponent("eval-text.txt"), encoding: .utf8)
        let result = try Perplexity.run(engine: engine, text: text, contextSize: 512)
        XCTAssertEqual(result.perplexity / reference, 1, accuracy: 0.01, "\(r): PPL \(result.perplexity), reference \(reference)")
        XCTAssertGreaterThan(result.chunks, 5)
    }

    func testSmolLM2Perplexity() throws { try checkPerplexity(.smollm2, reference: 38.48) }
    func testGemma3Perplexity() throws { try checkPerplexity(.gemma3, reference: 37.69) }
    func testQwen25Perplexity() throws { try checkPerplexity(.qwen25, reference: 32.61) }
}
