import Foundation
import Inference
import TestSupport
import XCTest

/// Several sequences in one forward pass (what the server's continuous batching does) must give each
/// sequence the logits it gets alone; copying a cached prefix must equal computing it.
///
/// Run on the generic kernels, whose products give every row the same arithmetic whatever the batch, so
/// the comparison is exact: any difference is a batching defect (a wrong position, cache or mask). The
/// SIMD path uses different micro-kernels for one row and for many (GEMV vs tiled GEMM), which round
/// differently; those kernels are checked against their generic twins in `GemmTests`.
final class BatchedForwardTests: XCTestCase {
    override func setUp() {
        Kernels.initialize(forceGeneric: true)
    }

    override func tearDown() {
        Kernels.initialize(forceGeneric: false)
    }

    private func model(_ r: TestPaths.Reference) throws -> any LanguageModel {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return try Engine(path: r.modelPath, options: ModelOptions(threads: 2, maxBatch: 64)).model
    }

    private func argmax(_ x: ArraySlice<Float>) -> Int { x.indices.max { x[$0] < x[$1] }! - x.startIndex }

    private func assertSame(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>, _ what: String) {
        XCTAssertEqual(a.count, b.count)
        var worst: Float = 0
        for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
        XCTAssertEqual(worst, 0, "\(what): max |Δ logit| \(worst)")
        XCTAssertEqual(argmax(a), argmax(b), "\(what): top token differs")
    }

    /// Three sequences at different positions — one prefilling, two decoding — against each alone.
    private func checkBatchEqualsSeparate(_ r: TestPaths.Reference) throws {
        let m = try model(r)
        let vocab = m.hyperparameters.vocabularySize
        let prompts: [[TokenID]] = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [40, 41, 42, 43, 44], [300, 301, 302, 303, 304, 305, 306]]
        // Separate: each prompt, then one more token.
        var alone: [[Float]] = []
        for p in prompts {
            let c = try m.makeCache(capacity: 64)
            _ = try m.prefill(Array(p.dropLast()), cache: c)
            let h = try m.forward([p.last!], cache: c)
            alone.append(m.logits(h, rows: 0..<1))
        }
        // Batched: sequences 1 and 2 are "decoding" (their prompt but the last token is cached), sequence 0
        // arrives with its whole prompt in the same pass.
        let caches = try prompts.map { _ in try m.makeCache(capacity: 64) }
        for i in 1..<3 { _ = try m.prefill(Array(prompts[i].dropLast()), cache: caches[i]) }
        let h = try m.forward([
            BatchSegment(tokens: [prompts[1].last!], cache: caches[1]),
            BatchSegment(tokens: prompts[0], cache: caches[0]),
            BatchSegment(tokens: [prompts[2].last!], cache: caches[2]),
        ])
        XCTAssertEqual(h.rows, 1 + prompts[0].count + 1)
        let rowOf = [prompts[0].count, 0, prompts[0].count + 1]   // last row of each sequence
        for i in 0..<3 {
            let l = m.logits(h, rows: rowOf[i]..<rowOf[i] + 1)
            XCTAssertEqual(l.count, vocab)
            assertSame(l[...], alone[i][...], "\(r) sequence \(i)")
            XCTAssertEqual(caches[i].count, prompts[i].count)
        }
    }

    func testSmolLM2BatchEqualsSeparate() throws { try checkBatchEqualsSeparate(.smollm2) }
    func testGemma3BatchEqualsSeparate() throws { try checkBatchEqualsSeparate(.gemma3) }  // sliding-window layers

    func testCopiedPrefixEqualsComputedPrefix() throws {
        let m = try model(.smollm2)
        let prefix: [TokenID] = Array(100..<130)
        let a = try m.makeCache(capacity: 64), b = try m.makeCache(capacity: 64), fresh = try m.makeCache(capacity: 64)
        _ = try m.prefill(prefix + [7, 8, 9], cache: a)
        try b.copyPrefix(from: a, count: prefix.count)
        XCTAssertEqual(b.count, prefix.count)
        let fromCopy = try m.prefill([500, 501], cache: b)
        let computed = try m.prefill(prefix + [500, 501], cache: fresh)
        assertSame(fromCopy[...], computed[...], "copied prefix")
    }

    func testInvalidBatchesAreRejected() throws {
        let m = try model(.smollm2)
        let c = try m.makeCache(capacity: 8)
        XCTAssertThrowsError(try m.forward([BatchSegment(tokens: [1], cache: c), BatchSegment(tokens: [2], cache: c)])) {
            XCTAssertTrue("\($0)".contains("reuses the cache"), "\($0)")
        }
        XCTAssertThrowsError(try m.forward([BatchSegment(tokens: [], cache: c)]))
        XCTAssertThrowsError(try m.forward([]))
        XCTAssertThrowsError(try m.forward([BatchSegment(tokens: Array(repeating: 1, count: 9), cache: c)])) {
            guard case ModelError.contextExceeded = $0 else { return XCTFail("\($0)") }
        }
        let other = try KVCache(capacity: 8, layerCount: 1, kvDim: 4, vDim: 4)
        XCTAssertThrowsError(try m.forward([BatchSegment(tokens: [1], cache: other)]))
        XCTAssertThrowsError(try c.copyPrefix(from: other, count: 0))
        XCTAssertEqual(c.count, 0, "a rejected batch leaves the cache untouched")
    }
}
