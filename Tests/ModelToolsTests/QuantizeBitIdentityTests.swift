import Foundation
import GGUF
import Inference
import ModelTools
import XCTest

/// The quantizer's Q8_0 and Q4_0 bytes against blocks computed independently from ggml's reference
/// formulas (`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`) in numpy float32:
/// Q8_0: d = amax / 127 (stored as fp16), q = roundf(x / d);
/// Q4_0: m = the value of largest magnitude with its sign, d = m / -8, q = min(15, (int8)(x / d + 8.5)),
/// nibbles j and j + 16 share byte j.
final class QuantizeBitIdentityTests: XCTestCase {
    /// (j² mod 37 − 18) / 8: exact in binary, largest magnitude 2.25 at j = 0 (negative) and j = 6 (positive).
    static let block1: [Float] = (0..<32).map { Float(($0 * $0) % 37 - 18) / 8 }
    /// ((7j mod 29) − 20) / 4: largest magnitude −5.
    static let block2: [Float] = (0..<32).map { Float(($0 * 7) % 29 - 20) / 4 }
    static let zeros = [Float](repeating: 0, count: 32)

    static let q8Expected: [[UInt8]] = [
        [137, 36, 129, 136, 157, 192, 242, 49, 127, 214, 64, 178, 56, 200, 106, 21, 207, 150, 113, 85, 71, 71, 85, 113, 150, 207, 21, 106, 200, 56, 178, 64, 214, 127],
        [10, 41, 129, 173, 218, 6, 51, 167, 212, 0, 44, 161, 205, 250, 38, 154, 199, 243, 32, 148, 192, 237, 25, 142, 186, 231, 19, 135, 180, 224, 13, 129, 173, 218],
        [UInt8](repeating: 0, count: 34),
    ]
    static let q4Expected: [[UInt8]] = [
        [128, 52, 240, 208, 194, 196, 215, 251, 31, 85, 156, 243, 76, 196, 63, 201, 85, 241],
        [0, 57, 160, 19, 70, 120, 171, 18, 69, 104, 155, 2, 53, 104, 154, 2, 52, 103],
        [0, 128] + [UInt8](repeating: 0x88, count: 16),   // d = 0 / -8 = -0.0; every q = 8
    ]

    override func setUp() { Kernels.initialize(forceGeneric: false) }

    func testQ8_0FileMatchesReferenceBlocks() throws {
        try checkFile(preset: .q8_0, type: .q8_0, expected: Self.q8Expected.flatMap { $0 })
    }

    func testQ4_0FileMatchesReferenceBlocks() throws {
        try checkFile(preset: .q4_0, type: .q4_0, expected: Self.q4Expected.flatMap { $0 })
    }

    /// The hand-checked first values: block 1's Q8_0 scale is fp16(2.25 / 127) = 0x2489, x = −2.25 → −127.
    func testFirstQ8_0BlockByHand() {
        XCTAssertEqual(UInt16(Self.q8Expected[0][0]) | UInt16(Self.q8Expected[0][1]) << 8, Float16(Float(2.25) / 127).bitPattern)
        XCTAssertEqual(Int8(bitPattern: Self.q8Expected[0][2]), -127)
        // Q4_0 block 2: d = −5 / −8 = 0.625, x = −5 → q = (int8)(−8 + 8.5) = 0.
        XCTAssertEqual(UInt16(Self.q4Expected[1][0]) | UInt16(Self.q4Expected[1][1]) << 8, Float16(0.625).bitPattern)
        XCTAssertEqual(Self.q4Expected[1][2] & 0x0F, 0)
    }

    /// Writes an F32 model with one weight (3 rows: block1, block2, zeros) and one norm, quantizes it,
    /// and compares the weight's bytes; the norm and the metadata must be copied unchanged.
    private func checkFile(preset: QuantizationPreset, type: GGMLType, expected: [UInt8]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-quant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Self.block1 + Self.block2 + Self.zeros
        let norm: [Float] = (0..<32).map { 1 + Float($0) / 64 }
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("tokenizer.ggml.tokens", .array(.string, [.string("a"), .string("b")]))
        try w.addTensor(name: "blk.0.attn_norm.weight", dimensions: [32], type: .f32, data: bytes(norm))
        try w.addTensor(name: "blk.0.attn_q.weight", dimensions: [32, 3], type: .f32, data: bytes(rows))
        let input = dir.appendingPathComponent("in.gguf").path, output = dir.appendingPathComponent("out.gguf").path
        try w.write(to: input)
        let report = try ModelQuantizer.quantize(input: input, output: output, preset: preset)
        let out = try GGUFFile(path: output)
        let weight = try XCTUnwrap(out.tensor(named: "blk.0.attn_q.weight"))
        XCTAssertEqual(weight.type, type)
        XCTAssertEqual(Array(out.data(for: weight)), expected)
        let normOut = try XCTUnwrap(out.tensor(named: "blk.0.attn_norm.weight"))
        XCTAssertEqual(normOut.type, .f32)
        XCTAssertEqual(Array(out.data(for: normOut)), bytes(norm))
        XCTAssertEqual(out["tokenizer.ggml.tokens"]?.stringArray, ["a", "b"])
        XCTAssertEqual(out["general.file_type"]?.int, Int(preset.fileType))
        XCTAssertEqual(report.parameterCount, 32 + 96)
        XCTAssertEqual(report.tensorBytes, 128 + expected.count)
    }

    private func bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }
}
