import Foundation
import Inference
import TestSupport
import XCTest

/// `ModelOptions.batchInvariant` on the SIMD path (where one row and many rows otherwise take different
/// kernels that round differently): a position's logits must be bit for bit the same whether the prompt
/// went in as one pass, in uneven chunks, one token at a time, or beside other sequences.
final class BatchInvariantTests: XCTestCase {
    override func setUp() { Kernels.initialize(forceGeneric: false) }

    private func model(_ r: TestPaths.Reference) throws -> any LanguageModel {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return try Engine(path: r.modelPath, options: ModelOptions(threads: 2, maxBatch: 64, batchInvariant: true)).model
    }

    private func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    private func check(_ r: TestPaths.Reference) throws {
        let m = try model(r)
        let prompt: [TokenID] = (0..<37).map { TokenID(($0 * 7919 + 11) % 5000 + 100) }
        // One pass (37 rows: the tiled GEMM's territory without the option).
        let whole = try m.makeCache(capacity: 64)
        let a = try m.prefill(prompt, cache: whole)
        // Uneven chunks: 5, 13, then the rest.
        let chunked = try m.makeCache(capacity: 64)
        _ = try m.forward(Array(prompt[0..<5]), cache: chunked)
        _ = try m.forward(Array(prompt[5..<18]), cache: chunked)
        let h = try m.forward(Array(prompt[18...]), cache: chunked)
        let b = m.logits(h, rows: (h.rows - 1)..<h.rows)
        XCTAssertEqual(bits(a), bits(b), "\(r): chunked prefill differs from one pass")
        // One token at a time.
        let single = try m.makeCache(capacity: 64)
        var c: [Float] = []
        for t in prompt { c = m.logits(try m.forward([t], cache: single), rows: 0..<1) }
        XCTAssertEqual(bits(a), bits(c), "\(r): token-by-token differs from one pass")
        // Beside another sequence's prompt chunk in the same pass (a server's mixed pass).
        let other = try m.makeCache(capacity: 64), mixed = try m.makeCache(capacity: 64)
        _ = try m.forward(Array(prompt[0..<30]), cache: mixed)
        let hm = try m.forward([BatchSegment(tokens: (0..<9).map { TokenID(200 + $0) }, cache: other),
                                BatchSegment(tokens: Array(prompt[30...]), cache: mixed)])
        let d = m.logits(hm, rows: (hm.rows - 1)..<hm.rows)
        XCTAssertEqual(bits(a), bits(d), "\(r): a mixed pass differs from one pass")
    }

    func testSmolLM2LogitsDoNotDependOnBatching() throws { try check(.smollm2) }
    func testQwen25LogitsDoNotDependOnBatching() throws { try check(.qwen25) }
    func testGemma3LogitsDoNotDependOnBatching() throws { try check(.gemma3) }
}
