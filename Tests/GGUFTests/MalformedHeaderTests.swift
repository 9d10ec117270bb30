import GGUF
import TestSupport
import XCTest

/// Header-level corruption: magic, version, and counts no file could hold.
final class MalformedHeaderTests: XCTestCase {
    func testValidHandcraftedBaselineParses() throws {
        let f = try GGUFFile(bytes: handcrafted(tensors: [RawTensor(name: "w", dimensions: [8], type: 0, offset: 0)], dataBytes: 32))
        XCTAssertEqual(f.architecture, "llama")
        XCTAssertEqual(f.tensors.count, 1)
    }

    func testBadMagic() {
        var bytes = handcrafted()
        bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        let error = assertGGUFError(bytes, .badMagic, at: 0)
        XCTAssertTrue(error?.description.contains("GGML") ?? false)
    }

    func testEmptyAndTinyFilesAreTruncated() {
        assertGGUFError([], .truncated, at: 0)
        assertGGUFError(Array("GGU".utf8), .truncated, at: 0)
        assertGGUFError(Array(handcrafted().prefix(12)), .truncated, at: 8)
    }

    func testVersionZeroOneAndFutureRejected() {
        for version: UInt32 in [0, 1, 4, 99, 0x0300_0000, UInt32.max] {
            var b = GGUFBytes()
            b.header(version: version, tensorCount: 0, keyCount: 0)
            let error = assertGGUFError(b.bytes, .unsupportedVersion, at: 4)
            XCTAssertTrue(error?.message.contains("\(version)") ?? false, "\(String(describing: error))")
        }
        var b = GGUFBytes()
        b.header(version: 1, tensorCount: 0, keyCount: 0)
        XCTAssertTrue(assertGGUFError(b.bytes, .unsupportedVersion)?.message.contains("unsupported version 1") ?? false)
    }

    func testVersionTwoAndThreeAccepted() throws {
        for version: UInt32 in [2, 3] {
            XCTAssertEqual(try GGUFFile(bytes: handcrafted(version: version)).version, version)
        }
    }

    func testHugeTensorCountRejectedBeforeAllocating() {
        for count: UInt64 in [0x7FFF_FFFF_FFFF_FFFF, 1 << 63, UInt64.max, 1 << 40, 1000] {
            var b = GGUFBytes()
            b.header(tensorCount: count, keyCount: 0)
            b.zeros(64)
            let error = assertGGUFError(b.bytes, .countTooLarge, at: 8)
            XCTAssertTrue(error?.description.contains("\(count)") ?? false)
        }
    }

    func testHugeKeyCountRejectedBeforeAllocating() {
        for count: UInt64 in [0x7FFF_FFFF_FFFF_FFFF, 1 << 63, UInt64.max, 1 << 40, 1000] {
            var b = GGUFBytes()
            b.header(tensorCount: 0, keyCount: count)
            b.keyString("general.architecture", "llama")
            assertGGUFError(b.bytes, .countTooLarge, at: 16)
        }
    }

    func testKeyCountPlusTensorCountMustFitTogether() {
        // 2 tensor infos (>= 64 bytes) and 3 entries (>= 42 bytes) cannot share 80 bytes.
        var b = GGUFBytes()
        b.header(tensorCount: 2, keyCount: 3)
        b.zeros(80)
        assertGGUFError(b.bytes, .countTooLarge, at: 16)
    }

    func testMissingFileIsIOError() {
        XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/dir/model.gguf")) { error in
            XCTAssertEqual((error as? GGUFError)?.kind, .io)
            XCTAssertTrue("\(error)".contains("/nonexistent/dir/model.gguf"))
        }
        XCTAssertThrowsError(try GGUFFile(path: NSTemporaryDirectory())) { error in
            XCTAssertEqual((error as? GGUFError)?.kind, .io)
        }
    }

    func testEmptyFileOnDiskIsTruncated() throws {
        let path = try SyntheticModel.temporaryFile([], name: "empty")
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            XCTAssertEqual((error as? GGUFError)?.kind, .truncated)
        }
    }

    func testDescriptionNamesOffsetAndValues() {
        var b = GGUFBytes()
        b.header(tensorCount: 0x7FFF_FFFF_FFFF_FFFF, keyCount: 0)
        let error = assertGGUFError(b.bytes, .countTooLarge)
        XCTAssertEqual(error?.description.hasPrefix("malformed GGUF at byte 8: tensor count 9223372036854775807 cannot fit in a 24-byte file"), true,
                       error?.description ?? "")
    }
}
