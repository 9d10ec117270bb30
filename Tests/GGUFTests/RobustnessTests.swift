import GGUF
import TestSupport
import XCTest

/// Mutates a small valid file thousands of times (fixed seed). Every mutant must either parse or
/// throw `GGUFError`; a trap would kill the test process. Parsed mutants must also hand out
/// tensor data that lies inside the file.
final class RobustnessTests: XCTestCase {
    private func seedFile() throws -> [UInt8] {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("llama.block_count", .uint32(1))
        w.set("tokenizer.ggml.tokens", .array(.string, ["<s>", "a", "▁b"].map { .string($0) }))
        w.set("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1), .float32(-2)]))
        w.set("x.nested", .array(.array, [.array(.int16, [.int16(1)]), .array(.int16, [])]))
        w.set("x.f64", .float64(2.5))
        try w.addTensor(name: "a", dimensions: [4], type: .f32, data: [UInt8](repeating: 1, count: 16))
        try w.addTensor(name: "b", dimensions: [32, 2], type: .q8_0, data: [UInt8](repeating: 2, count: 68))
        try w.addTensor(name: "c", dimensions: [2, 2, 1, 1], type: .f16, data: [UInt8](repeating: 3, count: 8))
        return try w.serialize()
    }

    private static let interesting: [UInt64] = [0, 1, 2, 4, 5, 8, 13, 31, 32, 33, 64, 255, 0x7F, 0x80, 0xFFFF,
                                                0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 32, 1 << 62, 1 << 63,
                                                UInt64(Int64.max), UInt64.max, UInt64.max - 31]

    func testMutatedFilesNeverTrap() throws {
        let original = try seedFile()
        XCTAssertNoThrow(try GGUFFile(bytes: original))
        var rng = SyntheticRandom(seed: 0x6767_7566)
        var parsed = 0, rejected = 0
        var kinds = Set<String>()
        for _ in 0..<4000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                mutate(&bytes, &rng)
            }
            do {
                let f = try GGUFFile(bytes: bytes)
                parsed += 1
                for t in f.tensors {
                    let data = f.data(for: t)
                    XCTAssertEqual(data.count, t.byteCount)
                    XCTAssertLessThanOrEqual(f.dataOffset + t.offset + t.byteCount, bytes.count)
                    _ = data.reduce(0) { $0 &+ $1 }
                }
            } catch {
                rejected += 1
                kinds.insert(error.kind.rawValue)
                XCTAssertGreaterThanOrEqual(error.offset, 0)
                XCTAssertLessThanOrEqual(error.offset, bytes.count)
            }
        }
        XCTAssertEqual(parsed + rejected, 4000)
        XCTAssertGreaterThan(parsed, 0)
        XCTAssertGreaterThan(kinds.count, 5, "mutations should reach many checks: \(kinds.sorted())")
    }

    private func mutate(_ bytes: inout [UInt8], _ rng: inout SyntheticRandom) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 1:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 2:
            let value = Self.interesting.randomElement(using: &rng) ?? 0
            let width = [1, 4, 8].randomElement(using: &rng) ?? 8
            for i in 0..<width where position + i < bytes.count {
                bytes[position + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            }
        default:
            bytes.removeSubrange(position...)
        }
    }
}
