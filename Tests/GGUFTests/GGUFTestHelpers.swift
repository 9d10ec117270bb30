import GGUF
import TestSupport
import XCTest

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
