import GGUF
import TestSupport
import XCTest

/// Writer output read back by the reader, and writer output compared with bytes laid out by hand
/// from the spec (so the two cannot agree on a shared mistake).
final class WriterRoundTripTests: XCTestCase {
    private let everyValue: [(String, GGUFValue)] = [
        ("t.u8", .uint8(255)), ("t.i8", .int8(-128)), ("t.u16", .uint16(65535)), ("t.i16", .int16(-32768)),
        ("t.u32", .uint32(UInt32.max)), ("t.i32", .int32(Int32.min)), ("t.f32", .float32(-0.15625)),
        ("t.f32.inf", .float32(-.infinity)), ("t.f32.tiny", .float32(.leastNonzeroMagnitude)),
        ("t.bool.true", .bool(true)), ("t.bool.false", .bool(false)),
        ("t.str", .string("héllo ▁wörld 🦙")), ("t.str.empty", .string("")),
        ("t.u64", .uint64(UInt64.max)), ("t.i64", .int64(Int64.min)), ("t.f64", .float64(1e-300)),
        ("t.arr.u8", .array(.uint8, [.uint8(1), .uint8(2)])),
        ("t.arr.f32", .array(.float32, [.float32(1.5), .float32(-2)])),
        ("t.arr.str", .array(.string, [.string("a"), .string(""), .string("<|im_end|>")])),
        ("t.arr.empty.i32", .array(.int32, [])), ("t.arr.empty.str", .array(.string, [])),
        ("t.arr.empty.arr", .array(.array, [])),
        ("t.arr.nested", .array(.array, [.array(.int64, [.int64(-1), .int64(2)]), .array(.int64, []),
                                         .array(.int64, [.int64(3)])])),
        ("t.arr.nested3", .array(.array, [.array(.array, [.array(.bool, [.bool(true)]), .array(.bool, [])])])),
        ("t.arr.bool", .array(.bool, [.bool(false), .bool(true)])),
        ("t.arr.f64", .array(.float64, [.float64(.pi)])),
        ("t.arr.u16", .array(.uint16, [.uint16(7)])), ("t.arr.i16", .array(.int16, [.int16(-7)])),
        ("t.arr.u32", .array(.uint32, [.uint32(9)])), ("t.arr.i8", .array(.int8, [.int8(-9)])),
        ("t.arr.u64", .array(.uint64, [.uint64(1 << 63)])),
    ]

    func testEveryValueTypeRoundTrips() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("test"))
        for (key, value) in everyValue { w.set(key, value) }
        let f = try GGUFFile(bytes: w.serialize())
        XCTAssertEqual(f.metadataKeys, ["general.architecture"] + everyValue.map(\.0))
        for (key, value) in everyValue { XCTAssertEqual(f[key], value, key) }
        XCTAssertEqual(f.architecture, "test")
        XCTAssertEqual(f.alignment, 32)
        XCTAssertNil(f["general.alignment"], "default alignment is not written")
        XCTAssertTrue(f.tensors.isEmpty)
    }

    func testSettingAKeyTwiceKeepsItsPosition() throws {
        var w = GGUFWriter()
        w.set("a", .uint8(1))
        w.set("b", .uint8(2))
        w.set("a", .string("again"))
        let f = try GGUFFile(bytes: w.serialize())
        XCTAssertEqual(f.metadataKeys, ["a", "b"])
        XCTAssertEqual(f["a"], .string("again"))
    }

    /// Writer bytes equal a layout written out by hand from the spec.
    func testWriterMatchesHandLaidOutBytes() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("x.list", .array(.int32, [.int32(-1)]))
        try w.addTensor(name: "a", dimensions: [3], type: .f32, data: [UInt8](repeating: 0xAA, count: 12))
        try w.addTensor(name: "b", dimensions: [2, 1], type: .f16, data: [1, 2, 3, 4])

        var b = GGUFBytes()
        b.raw(Array("GGUF".utf8))
        b.u32(3)
        b.u64(2)
        b.u64(2)
        b.u64(20); b.raw(Array("general.architecture".utf8)); b.u32(8); b.u64(5); b.raw(Array("llama".utf8))
        b.u64(6); b.raw(Array("x.list".utf8)); b.u32(9); b.u32(5); b.u64(1); b.i32(-1)
        b.u64(1); b.raw([0x61]); b.u32(1); b.u64(3); b.u32(0); b.u64(0)
        b.u64(1); b.raw([0x62]); b.u32(2); b.u64(2); b.u64(1); b.u32(1); b.u64(32)
        while b.count % 32 != 0 { b.u8(0) }
        b.raw([UInt8](repeating: 0xAA, count: 12))
        b.zeros(20)
        b.raw([1, 2, 3, 4])
        XCTAssertEqual(try w.serialize(), b.bytes)
    }

    func testTensorsOfSeveralTypesRoundTrip() throws {
        let specs: [(String, [Int], GGMLType)] = [
            ("f32", [5, 3], .f32), ("f16", [7], .f16), ("q4_0", [64, 2], .q4_0), ("q8_0", [32, 3, 2], .q8_0),
            ("q4_k", [256, 2], .q4_K), ("q6_k", [512], .q6_K), ("bf16", [3, 1, 1, 2], .bf16), ("q4_1", [32], .q4_1),
        ]
        var rng = SyntheticRandom(seed: 7)
        var w = GGUFWriter()
        w.set("general.architecture", .string("test"))
        var expected: [String: [UInt8]] = [:]
        for (name, dims, type) in specs {
            let blocks = dims.reduce(1, *) / type.blockSize
            let data = (0..<(blocks * type.blockBytes)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            expected[name] = data
            try w.addTensor(name: name, dimensions: dims, type: type, data: data)
        }
        let f = try GGUFFile(bytes: w.serialize())
        XCTAssertEqual(f.tensors.map(\.name), specs.map(\.0))
        for (name, dims, type) in specs {
            let t = try XCTUnwrap(f.tensor(named: name))
            XCTAssertEqual(t.dimensions, dims)
            XCTAssertEqual(t.type, type)
            XCTAssertEqual(t.offset % 32, 0)
            XCTAssertEqual(Array(f.data(for: t)), expected[name], name)
            XCTAssertEqual(t.rowCount * t.rowBytes, t.byteCount)
        }
        XCTAssertEqual(f.tensor(named: "q4_k")?.byteCount, 2 * 144)
        XCTAssertEqual(f.tensor(named: "q8_0")?.rowBytes, 34)
        XCTAssertEqual(f.tensor(named: "q8_0")?.rowCount, 6)
        XCTAssertEqual(f.tensor(named: "f16")?.byteCount, 14)
    }

    func testAlignment64() throws {
        var w = GGUFWriter(alignment: 64)
        w.set("general.architecture", .string("test"))
        try w.addTensor(name: "a", dimensions: [3], type: .f32, data: [UInt8](repeating: 1, count: 12))
        try w.addTensor(name: "b", dimensions: [32], type: .q8_0, data: [UInt8](repeating: 2, count: 34))
        try w.addTensor(name: "c", dimensions: [1], type: .f32, data: [3, 3, 3, 3])
        let bytes = try w.serialize()
        let f = try GGUFFile(bytes: bytes)
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f["general.alignment"], .uint32(64))
        XCTAssertEqual(f.dataOffset % 64, 0)
        XCTAssertEqual(f.tensors.map(\.offset), [0, 64, 128])
        XCTAssertEqual(Array(f.data(for: f.tensors[1])), [UInt8](repeating: 2, count: 34))
        XCTAssertEqual(bytes.count, f.dataOffset + 132)
    }

    func testExplicitAlignmentKeyWins() throws {
        var w = GGUFWriter()
        w.set("general.alignment", .uint32(128))
        try w.addTensor(name: "a", dimensions: [1], type: .f32, data: [0, 0, 0, 0])
        try w.addTensor(name: "b", dimensions: [1], type: .f32, data: [0, 0, 0, 0])
        let f = try GGUFFile(bytes: w.serialize())
        XCTAssertEqual(f.alignment, 128)
        XCTAssertEqual(f.tensors.map(\.offset), [0, 128])
        XCTAssertEqual(f.metadataKeys, ["general.alignment"])
    }

    func testVersion2File() throws {
        var w = GGUFWriter(version: 2)
        w.set("general.architecture", .string("llama"))
        w.set("v", .array(.string, [.string("x")]))
        try w.addTensor(name: "w", dimensions: [4], type: .f32, data: SyntheticModel.f32Bytes([1, 2, 3, 4]))
        let bytes = try w.serialize()
        XCTAssertEqual(Array(bytes[4..<8]), [2, 0, 0, 0])
        let f = try GGUFFile(bytes: bytes)
        XCTAssertEqual(f.version, 2)
        XCTAssertEqual(f["v"]?.stringArray, ["x"])
        XCTAssertEqual(Array(f.data(for: f.tensors[0])), SyntheticModel.f32Bytes([1, 2, 3, 4]))
    }

    func testWriteToDiskAndMap() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("test"))
        try w.addTensor(name: "w", dimensions: [2], type: .f32, data: SyntheticModel.f32Bytes([0.5, -1]))
        let path = NSTemporaryDirectory() + "gguf-writer-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        XCTAssertEqual(f.fileSize, try w.serialize().count)
        XCTAssertEqual(Array(f.data(for: f.tensors[0])), SyntheticModel.f32Bytes([0.5, -1]))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix((path as NSString).lastPathComponent + ".tmp") }
        XCTAssertEqual(leftovers, [])
        XCTAssertThrowsError(try w.write(to: "/nonexistent/dir/x.gguf")) { XCTAssertEqual(($0 as? GGUFError)?.kind, .io) }
    }

    func testWriterRejectsInvalidInput() {
        var w = GGUFWriter()
        XCTAssertThrowsError(try w.addTensor(name: "w", dimensions: [4], type: .f32, data: [0])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .dataSizeMismatch)
        }
        XCTAssertThrowsError(try w.addTensor(name: "q", dimensions: [33], type: .q4_0, data: [])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .rowNotBlockMultiple)
        }
        XCTAssertThrowsError(try w.addTensor(name: String(repeating: "x", count: 64), dimensions: [1], type: .f32, data: [0, 0, 0, 0])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .tensorNameTooLong)
        }
        XCTAssertThrowsError(try w.addTensor(name: "z", dimensions: [1, 0], type: .f32, data: [])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .zeroDimension)
        }
        XCTAssertThrowsError(try w.addTensor(name: "z", dimensions: [1, 1, 1, 1, 1], type: .f32, data: [0, 0, 0, 0])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .badDimensionCount)
        }
        XCTAssertThrowsError(try w.addTensor(name: "o", dimensions: [Int.max, 2], type: .f32, data: [])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .sizeOverflow)
        }
        XCTAssertNoThrow(try w.addTensor(name: "w", dimensions: [1], type: .f32, data: [0, 0, 0, 0]))
        XCTAssertThrowsError(try w.addTensor(name: "w", dimensions: [1], type: .f32, data: [0, 0, 0, 0])) {
            XCTAssertEqual(($0 as? GGUFError)?.kind, .duplicateTensor)
        }

        var mismatch = GGUFWriter()
        mismatch.set("a", .array(.uint8, [.int32(1)]))
        XCTAssertThrowsError(try mismatch.serialize()) { XCTAssertEqual(($0 as? GGUFError)?.kind, .typeMismatch) }

        var deep = GGUFValue.array(.uint8, [])
        for _ in 0..<GGUFLimits.maxNestingDepth { deep = .array(.array, [deep]) }
        var nested = GGUFWriter()
        nested.set("a", deep)
        XCTAssertThrowsError(try nested.serialize()) { XCTAssertEqual(($0 as? GGUFError)?.kind, .nestingTooDeep) }

        var emptyKey = GGUFWriter()
        emptyKey.set("", .uint8(0))
        XCTAssertThrowsError(try emptyKey.serialize()) { XCTAssertEqual(($0 as? GGUFError)?.kind, .emptyKey) }

        for alignment in [0, 13, 1 << 30] {
            XCTAssertThrowsError(try GGUFWriter(alignment: alignment).serialize()) { XCTAssertEqual(($0 as? GGUFError)?.kind, .badAlignment) }
        }
        for version: UInt32 in [1, 4] {
            XCTAssertThrowsError(try GGUFWriter(version: version).serialize()) { XCTAssertEqual(($0 as? GGUFError)?.kind, .unsupportedVersion) }
        }
    }

    func testSyntheticModelIsValidAndShaped() throws {
        var hp = SyntheticModel.Hyperparameters()
        hp.weightType = .f16
        let f = try GGUFFile(bytes: SyntheticModel.llama(hp, seed: 3))
        XCTAssertEqual(f.architecture, "llama")
        XCTAssertEqual(f["llama.block_count"]?.int, 2)
        XCTAssertEqual(f.tensors.count, 2 * 9 + 3)
        XCTAssertEqual(f.tensor(named: "blk.1.attn_k.weight")?.dimensions, [16, 8])
        XCTAssertEqual(f.tensor(named: "blk.0.ffn_down.weight")?.dimensions, [32, 16])
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.type, .f16)
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.dimensions, [16, SyntheticModel.defaultTokens.count])
        XCTAssertEqual(f["tokenizer.ggml.tokens"]?.stringArray, SyntheticModel.defaultTokens)
        XCTAssertEqual(try SyntheticModel.llama(hp, seed: 3), try SyntheticModel.llama(hp, seed: 3), "deterministic")
    }
}
