import GGUF
import TestSupport
import XCTest

/// Opens the three reference models and checks facts reported by the Python `gguf` package
/// (gguf.GGUFReader), hardcoded here.
final class ReferenceModelTests: XCTestCase {
    private func open(_ model: TestPaths.Reference) throws -> GGUFFile {
        let path = model.modelPath
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) not present") }
        return try GGUFFile(path: path)
    }

    private func float(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
    }

    func testSmolLM2() throws {
        let f = try open(.smollm2)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.tensors.count, 272)
        XCTAssertEqual(f.metadataKeys.count, 33)
        XCTAssertEqual(Array(f.metadataKeys.prefix(3)), ["general.architecture", "general.type", "general.name"])
        XCTAssertEqual(f.architecture, "llama")
        XCTAssertEqual(f["llama.block_count"], .uint32(30))
        XCTAssertEqual(f["llama.attention.head_count_kv"]?.int, 3)
        XCTAssertEqual(f["llama.rope.freq_base"]?.float, 100_000)
        XCTAssertEqual(f["tokenizer.ggml.model"]?.string, "gpt2")
        let tokens = try XCTUnwrap(f["tokenizer.ggml.tokens"]?.stringArray)
        XCTAssertEqual(tokens.count, 49152)
        XCTAssertEqual(Array(tokens.prefix(3)), ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        XCTAssertEqual(f.alignment, 32)
        XCTAssertEqual(f.dataOffset, 1_785_664)
        XCTAssertEqual(f.fileSize, 98_362_432)

        let embd = try XCTUnwrap(f.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embd.dimensions, [576, 49152])
        XCTAssertEqual(embd.type, .q8_0)
        XCTAssertEqual(embd.offset, 0)
        XCTAssertEqual(embd.byteCount, 30_081_024)
        XCTAssertEqual(embd.rowCount, 49152)
        XCTAssertEqual(embd.rowBytes, 576 / 32 * 34)
        let q = try XCTUnwrap(f.tensor(named: "blk.0.attn_q.weight"))
        XCTAssertEqual(q.type, .q4_1)
        XCTAssertEqual(q.offset, 32_020_992)
        XCTAssertEqual(q.byteCount, 207_360)
        let norm = try XCTUnwrap(f.tensor(named: "output_norm.weight"))
        XCTAssertEqual(norm.offset, 96_574_464)
        let data = f.data(for: norm)
        XCTAssertEqual(data.count, 2304)
        XCTAssertEqual(float(data, 0), 1.7578125)
        XCTAssertEqual(float(data, 1), 1.8203125)
        XCTAssertNil(f.tensor(named: "no.such.tensor"))
    }

    func testGemma3() throws {
        let f = try open(.gemma3)
        XCTAssertEqual(f.tensors.count, 236)
        XCTAssertEqual(f.metadataKeys.count, 33)
        XCTAssertEqual(f.architecture, "gemma3")
        XCTAssertEqual(f["gemma3.attention.sliding_window"], .uint32(512))
        XCTAssertEqual(f["gemma3.block_count"]?.int, 18)
        XCTAssertEqual(f["gemma3.rope.freq_base"]?.double, 1_000_000)
        XCTAssertEqual(f["tokenizer.ggml.model"]?.string, "llama")
        XCTAssertEqual(f["tokenizer.ggml.tokens"]?.array?.count, 262_144)
        XCTAssertEqual(f.dataOffset, 6_525_120)
        XCTAssertEqual(f.tensors.first?.name, "output_norm.weight")
        let embd = try XCTUnwrap(f.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embd.dimensions, [640, 262_144])
        XCTAssertEqual(embd.type, .q8_0)
        XCTAssertEqual(embd.offset, 2560)
        let q = try XCTUnwrap(f.tensor(named: "blk.0.attn_q.weight"))
        XCTAssertEqual(q.dimensions, [640, 1024])
        XCTAssertEqual(q.type, .q5_0)
        XCTAssertEqual(q.byteCount, 450_560)
        let norm = f.data(for: try XCTUnwrap(f.tensor(named: "output_norm.weight")))
        XCTAssertEqual(float(norm, 0), 7.125)
        XCTAssertEqual(float(norm, 1), 9.5625)
    }

    func testQwen25() throws {
        let f = try open(.qwen25)
        XCTAssertEqual(f.tensors.count, 291)
        XCTAssertEqual(f.metadataKeys.count, 26)
        XCTAssertEqual(f.architecture, "qwen2")
        XCTAssertEqual(f["qwen2.block_count"]?.int, 24)
        XCTAssertEqual(f["qwen2.embedding_length"]?.int, 896)
        XCTAssertEqual(f["qwen2.attention.head_count_kv"]?.int, 2)
        XCTAssertEqual(f["tokenizer.ggml.tokens"]?.stringArray?.prefix(3).map { $0 }, ["!", "\"", "#"])
        XCTAssertEqual(f.dataOffset, 5_947_776)
        XCTAssertEqual(f.tensors.first?.name, "output.weight")
        let embd = try XCTUnwrap(f.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embd.dimensions, [896, 151_936])
        XCTAssertEqual(embd.type, .q5_0)
        XCTAssertEqual(embd.offset, 144_643_072)
        XCTAssertEqual(embd.byteCount, 93_592_576)
        let norm = f.data(for: try XCTUnwrap(f.tensor(named: "output_norm.weight")))
        XCTAssertEqual(norm.count, 3584)
        XCTAssertEqual(float(norm, 0), 7.0625)
        XCTAssertEqual(float(norm, 1), 7.125)
    }
}
