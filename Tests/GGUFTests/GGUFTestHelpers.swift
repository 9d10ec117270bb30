import GGUF
import TestSupport
import XCTest

/// A tensor info as a handcrafted file declares it: raw fields, so tests can put anything there.
struct RawTensor {
    var name: String
    var dimensions: [UInt64]
    var type: UInt32
    var offset: UInt64
}

/// Handcrafted file: header, `keys` appended by the closure, the tensor infos, padding to
/// `alignment`, then `dataBytes` bytes of tensor data (byte i has value i % 251).
func handcrafted(version: UInt32 = 3, alignment: UInt32? = nil, tensors: [RawTensor] = [], dataBytes: Int = 0,
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

/// Asserts that parsing `bytes` fails with `kind`, at `offset` when given, and returns the error.
@discardableResult
func assertGGUFError(_ bytes: [UInt8], _ kind: GGUFError.Kind, at offset: Int? = nil,
                     file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
    do {
        let parsed = try GGUFFile(bytes: bytes)
        XCTFail("expected \(kind), but the file parsed with \(parsed.tensors.count) tensors", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        if let offset { XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line) }
        XCTAssertGreaterThanOrEqual(error.offset, 0, file: file, line: line)
        XCTAssertLessThanOrEqual(error.offset, bytes.count, file: file, line: line)
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        return error
    }
}

/// Offset of the first key (after the 24-byte header).
let firstKeyOffset = 24
/// Size of the `general.architecture = "llama"` entry every handcrafted file starts with.
let architectureEntrySize = 8 + 20 + 4 + 8 + 5
