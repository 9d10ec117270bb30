import Bench
import Foundation
import GGUF
import Inference
import ModelTools
import TestSupport
import XCTest

/// Quantizes the reference models to Q8_0 and Q4_0, loads the results, generates, and measures the KL
/// divergence from the source: Q8_0 (8.5 bits) must stay closer to the source than Q4_0 (4.5 bits).
final class QuantizeRoundTripTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        Kernels.initialize(forceGeneric: false)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testSmolLM2RoundTrip() throws { try roundTrip(.smollm2) }

    func testGemma3RoundTrip() throws { try roundTrip(.gemma3) }

    private func roundTrip(_ reference: TestPaths.Reference) throws {
        guard FileManager.default.fileExists(atPath: reference.modelPath) else { throw XCTSkip("model absent; run scripts/fetch-models") }
        let textPath = TestPaths.goldenDir.appendingPathComponent("eval-text.txt").path
        guard let text = try? String(contentsOfFile: textPath, encoding: .utf8) else { throw XCTSkip("golden text absent") }
        let source = try Engine(path: reference.modelPath, options: ModelOptions(threads: 2, maxBatch: 128))
        let prompt = source.promptTokens("The capital of France is")
        var kl: [QuantizationPreset: QualityComparison] = [:]
        for preset in [QuantizationPreset.q8_0, .q4_0] {
            let path = dir.appendingPathComponent("\(reference.rawValue).\(preset.rawValue).gguf").path
            let report = try ModelQuantizer.quantize(input: reference.modelPath, output: path, preset: preset)
            let file = try GGUFFile(path: path)
            XCTAssertEqual(file["tokenizer.ggml.tokens"]?.array?.count, source.file["tokenizer.ggml.tokens"]?.array?.count)
            XCTAssertEqual(file["general.file_type"]?.int, Int(preset.fileType))
            XCTAssertTrue(file.tensors.contains { $0.type == preset.baseType }, "\(preset) tensors present")
            XCTAssertEqual(report.outputFileBytes, file.fileSize)
            let engine = try Engine(path: path, options: ModelOptions(threads: 2, maxBatch: 128))
            let generated = try Generator(engine: engine).generate(
                GenerationRequest(prompt: engine.promptTokens("The capital of France is"), maxTokens: 8, stopAtEndOfGeneration: false),
                contextSize: 64)
            XCTAssertEqual(generated.tokens.count, 8)
            XCTAssertFalse(generated.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(preset) generated \(generated.text.debugDescription)")
            XCTAssertEqual(engine.promptTokens("The capital of France is"), prompt)
            // Two chunks of 128 tokens: 126 scored positions.
            kl[preset] = try Quality.compare(reference: source, candidate: engine, text: String(text.prefix(2000)), contextSize: 128)
        }
        let q8 = try XCTUnwrap(kl[.q8_0]), q4 = try XCTUnwrap(kl[.q4_0])
        print("\(reference.rawValue): KL mean Q8_0 \(q8.klMean), Q4_0 \(q4.klMean); PPL source \(q8.referencePerplexity), Q8_0 \(q8.candidatePerplexity), Q4_0 \(q4.candidatePerplexity)")
        XCTAssertEqual(q8.scoredTokens, q4.scoredTokens)
        XCTAssertGreaterThan(q8.klMean, 0)
        XCTAssertLessThan(q8.klMean, q4.klMean)
        XCTAssertLessThan(q8.klMedian, q4.klMedian)
        XCTAssertGreaterThanOrEqual(q8.sameTopTokenRate, q4.sameTopTokenRate)
        XCTAssertEqual(q8.referencePerplexity, q4.referencePerplexity, accuracy: 1e-9)
    }
}
