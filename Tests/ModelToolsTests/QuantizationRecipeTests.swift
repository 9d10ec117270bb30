import GGUF
import ModelTools
import XCTest

/// Per-tensor types against llama.cpp's `llama_tensor_get_type` rules, worked out by hand for small layouts.
final class QuantizationRecipeTests: XCTestCase {
    /// A llama-shaped model of `layers` blocks, rows of `dim` elements, an FFN of `ffn`.
    private func tensors(layers: Int, dim: Int, ffn: Int, tiedOutput: Bool) throws -> [GGUFTensorInfo] {
        var list = [
            try GGUFTensorInfo(name: "token_embd.weight", dimensions: [dim, 1000], type: .f16, offset: 0),
            try GGUFTensorInfo(name: "output_norm.weight", dimensions: [dim], type: .f32, offset: 0),
        ]
        if !tiedOutput { list.append(try GGUFTensorInfo(name: "output.weight", dimensions: [dim, 1000], type: .f16, offset: 0)) }
        for l in 0..<layers {
            for (n, d) in [("attn_norm", [dim]), ("attn_q", [dim, dim]), ("attn_k", [dim, dim / 4]), ("attn_v", [dim, dim / 4]),
                           ("attn_output", [dim, dim]), ("ffn_gate", [dim, ffn]), ("ffn_up", [dim, ffn]), ("ffn_down", [ffn, dim]),
                           ("ffn_norm", [dim])] {
                list.append(try GGUFTensorInfo(name: "blk.\(l).\(n).weight", dimensions: d, type: d.count == 1 ? .f32 : .f16, offset: 0))
            }
        }
        return list
    }

    private func types(_ r: QuantizationRecipe) -> [String: GGMLType] {
        Dictionary(uniqueKeysWithValues: r.entries.map { ($0.name, $0.targetType) })
    }

    func testUseMoreBitsPicksFirstAndLastEighthAndEveryThird() {
        // 8 layers: i < 1, i >= 7, (i - 1) % 3 == 2 → 0, 3, 6, 7.
        XCTAssertEqual((0..<8).filter { QuantizationRecipe.useMoreBits($0, 8) }, [0, 3, 6, 7])
        // 30 layers (SmolLM2): i < 3, i >= 26, (i - 3) % 3 == 2 → 0,1,2,5,8,...,26,27,28,29.
        XCTAssertEqual((0..<30).filter { QuantizationRecipe.useMoreBits($0, 30) },
                       [0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29])
    }

    func testQ4_K_MGivesMoreBitsToOutputAndSomeAttnVAndFFNDown() throws {
        let r = QuantizationRecipe(preset: .q4_K_M, tensors: try tensors(layers: 8, dim: 256, ffn: 512, tiedOutput: false),
                                   headCount: 8, headCountKV: 2)
        let t = types(r)
        XCTAssertEqual(t["output.weight"], .q6_K)
        XCTAssertEqual(t["token_embd.weight"], .q4_K)
        XCTAssertEqual(t["output_norm.weight"], .f32)
        for l in 0..<8 {
            let more = [0, 3, 6, 7].contains(l)
            XCTAssertEqual(t["blk.\(l).attn_v.weight"], more ? .q6_K : .q4_K, "layer \(l)")
            XCTAssertEqual(t["blk.\(l).ffn_down.weight"], more ? .q6_K : .q4_K, "layer \(l)")
            XCTAssertEqual(t["blk.\(l).attn_q.weight"], .q4_K)
            XCTAssertEqual(t["blk.\(l).attn_norm.weight"], .f32)
        }
        // 4 × 2 upgraded of 16; 1 output; the rest Q4_K; norms F32.
        let counts = Dictionary(uniqueKeysWithValues: r.typeCounts.map { ($0.type, $0.count) })
        XCTAssertEqual(counts[.q6_K], 9)
        XCTAssertEqual(counts[.f32], 17)
        XCTAssertEqual(counts[.q4_K], 8 * 7 + 1 - 8)
    }

    func testRowsNotMultipleOf256FallBackAndTiedEmbeddingIsTheOutput() throws {
        // 576-wide rows (SmolLM2): Q4_K → Q5_0, Q6_K → Q8_0; ffn_down rows are 1536 = 6 × 256 and stay K-quants.
        let r = QuantizationRecipe(preset: .q4_K_M, tensors: try tensors(layers: 8, dim: 576, ffn: 1536, tiedOutput: true),
                                   headCount: 9, headCountKV: 3)
        let t = types(r)
        XCTAssertEqual(t["token_embd.weight"], .q8_0)
        XCTAssertEqual(t["blk.1.attn_q.weight"], .q5_0)
        XCTAssertEqual(t["blk.0.attn_v.weight"], .q8_0)
        XCTAssertEqual(t["blk.0.ffn_down.weight"], .q6_K)
        XCTAssertEqual(t["blk.1.ffn_down.weight"], .q4_K)
    }

    func testSimpleTypesKeepTheirBaseExceptTheOutput() throws {
        let list = try tensors(layers: 2, dim: 256, ffn: 512, tiedOutput: false)
        let q4 = types(QuantizationRecipe(preset: .q4_0, tensors: list, headCount: 4, headCountKV: 4))
        XCTAssertEqual(q4["output.weight"], .q6_K)            // llama.cpp: output gets Q6_K unless the base is Q8_0
        XCTAssertEqual(q4["token_embd.weight"], .q4_0)
        XCTAssertEqual(q4["blk.1.ffn_down.weight"], .q4_0)
        let q8 = types(QuantizationRecipe(preset: .q8_0, tensors: list, headCount: 4, headCountKV: 4))
        XCTAssertEqual(q8["output.weight"], .q8_0)
        let f16 = types(QuantizationRecipe(preset: .f16, tensors: list, headCount: 4, headCountKV: 4))
        XCTAssertEqual(f16["output.weight"], .f16)
        XCTAssertEqual(f16["blk.0.ffn_norm.weight"], .f32)
    }

    func testQ2_KAttnVDependsOnGroupedQueryRatio() throws {
        let list = try tensors(layers: 2, dim: 256, ffn: 512, tiedOutput: false)
        XCTAssertEqual(types(QuantizationRecipe(preset: .q2_K, tensors: list, headCount: 8, headCountKV: 2))["blk.0.attn_v.weight"], .q4_K)
        let low = types(QuantizationRecipe(preset: .q2_K, tensors: list, headCount: 8, headCountKV: 4))
        XCTAssertEqual(low["blk.0.attn_v.weight"], .q3_K)
        XCTAssertEqual(low["blk.0.ffn_down.weight"], .q3_K)
        XCTAssertEqual(low["blk.0.attn_output.weight"], .q3_K)
        XCTAssertEqual(low["blk.0.attn_q.weight"], .q2_K)
    }

    func testWrittenOrderIsLlamaCppsBlockThenNameOrder() throws {
        let list = try tensors(layers: 12, dim: 256, ffn: 512, tiedOutput: false).reversed()
        let names = QuantizationRecipe(preset: .q8_0, tensors: Array(list), headCount: 4, headCountKV: 4).entries.map(\.name)
        XCTAssertEqual(Array(names.prefix(4)), ["output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight"])
        XCTAssertLessThan(names.firstIndex(of: "blk.2.attn_q.weight")!, names.firstIndex(of: "blk.10.attn_q.weight")!)
    }

    func testUnknownPresetIsATypedError() {
        XCTAssertThrowsError(try QuantizationPreset(name: "Q7_X")) { error in
            XCTAssertTrue(String(describing: error).contains("Q4_K_M"))
        }
        XCTAssertEqual(try QuantizationPreset(name: "q3_k"), .q3_K_M)
    }
}
