/// Handcrafted GGUF files for the malformed-file tests, shared by the reader's tests and the CLI's.
/// A tensor info as a handcrafted file declares it: raw fields, so tests can put anything there.
public struct RawTensor {
    public init(name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
    }

    public var name: String
    public var dimensions: [UInt64]
    public var type: UInt32
    public var offset: UInt64
}

/// Handcrafted file: header, `keys` appended by the closure, the tensor infos, padding to
/// `alignment`, then `dataBytes` bytes of tensor data (byte i has value i % 251).
public func handcrafted(version: UInt32 = 3, alignment: UInt32? = nil, tensors: [RawTensor] = [], dataBytes: Int = 0,
                 extraKeyCount: UInt64 = 0, keys: (inout GGUFBytes) -> Void = { _ in }) -> [UInt8] {
    var b = GGUFBytes()
    b.header(version: version, tensorCount: UInt64(tensors.count), keyCount: 1 + (alignment == nil ? 0 : 1) + extraKeyCount)
    b.keyString("general.architecture", "llama")
    if let alignment { b.keyU32("general.alignment", alignment) }
    keys(&b)
    for t in tensors { b.tensorInfo(name: t.name, dimensions: t.dimensions, type: t.type, offset: t.offset) }
    // Invalid alignments are what some tests are about; pad those files to the default.
    let a = Int(alignment ?? 32)
    b.pad(to: a > 0 && a <= 1 << 16 && a & (a - 1) == 0 ? a : 32)
    b.raw((0..<dataBytes).map { UInt8($0 % 251) })
    return b.bytes
}


/// One malformed file of each class the reader must reject, named for the class.
public enum MalformedGGUF {
    public static var catalogue: [(name: String, bytes: [UInt8])] {
        let f32: UInt32 = 0, q4_0: UInt32 = 2
        func one(_ dims: [UInt64], type: UInt32 = f32, offset: UInt64 = 0, data: Int = 4096) -> [UInt8] {
            handcrafted(tensors: [RawTensor(name: "w", dimensions: dims, type: type, offset: offset)], dataBytes: data)
        }
        func header(version: UInt32 = 3, tensors: UInt64 = 0, keys: UInt64 = 0) -> GGUFBytes {
            var b = GGUFBytes()
            b.header(version: version, tensorCount: tensors, keyCount: keys)
            return b
        }
        var cases: [(String, [UInt8])] = []
        var bad = GGUFBytes()
        bad.raw(Array("GGUX".utf8))
        bad.u32(3); bad.u64(0); bad.u64(0)
        cases.append(("bad magic", bad.bytes))
        for v: UInt32 in [0, 1, 99] { cases.append(("version \(v)", header(version: v).bytes)) }
        cases.append(("tensor count near 2^63", header(tensors: 0x7FFF_FFFF_FFFF_FFFF).bytes))
        cases.append(("key count near 2^63", header(keys: 0x7FFF_FFFF_FFFF_FFFF).bytes))
        for (label, length) in [("past the end", UInt64(1000)), ("2^64-1", UInt64.max)] {
            var b = header(keys: 1)
            b.u64(length); b.raw(Array("key".utf8))
            cases.append(("string length \(label)", b.bytes))
        }
        cases.append(("empty key", handcrafted(extraKeyCount: 1) { $0.keyU32("", 1) }))
        cases.append(("duplicate key", handcrafted(extraKeyCount: 1) { $0.keyString("general.architecture", "qwen2") }))
        cases.append(("unknown value type", handcrafted(extraKeyCount: 1) { b in b.string("k"); b.u32(13); b.u32(0) }))
        cases.append(("arrays nested 10,000 deep", handcrafted(extraKeyCount: 1) { b in
            b.string("deep"); b.u32(9)
            for _ in 0..<10_000 { b.u32(9); b.u64(1) }
            b.u32(4); b.u64(0)
        }))
        cases.append(("array length past the end", handcrafted(extraKeyCount: 1) { b in b.string("a"); b.u32(9); b.u32(4); b.u64(1 << 40) }))
        for a: UInt32 in [0, 13, 1 << 30] { cases.append(("alignment \(a)", handcrafted(alignment: a))) }
        cases.append(("tensor name too long", handcrafted(tensors: [RawTensor(name: String(repeating: "n", count: 64), dimensions: [4], type: f32, offset: 0)], dataBytes: 64)))
        cases.append(("duplicate tensor name", handcrafted(tensors: [RawTensor(name: "w", dimensions: [8], type: f32, offset: 0),
                                                                     RawTensor(name: "w", dimensions: [8], type: f32, offset: 32)], dataBytes: 64)))
        cases.append(("n_dims 0", one([])))
        cases.append(("n_dims 5", one([1, 1, 1, 1, 1])))
        cases.append(("zero dimension", one([4, 0])))
        cases.append(("element count overflow (INT64_MAX, 2, 1, 1)", one([UInt64(Int64.max), 2, 1, 1])))
        cases.append(("byte size overflow (4, 2^30-1, 2^30+1, 1)", one([4, (1 << 30) - 1, (1 << 30) + 1, 1])))
        cases.append(("unknown tensor type", one([4], type: 1000)))
        cases.append(("first dimension not a block multiple", one([33], type: q4_0)))
        cases.append(("misaligned tensor offset", one([4], offset: 3)))
        cases.append(("overlapping tensors", handcrafted(tensors: [RawTensor(name: "a", dimensions: [16], type: f32, offset: 0),
                                                                   RawTensor(name: "b", dimensions: [16], type: f32, offset: 32)], dataBytes: 128)))
        cases.append(("tensor past the end", one([4096], offset: 0, data: 64)))
        cases.append(("one byte short of tensor data", one([16], data: 63)))
        return cases
    }
}
