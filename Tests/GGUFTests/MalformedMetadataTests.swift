import GGUF
import TestSupport
import XCTest

/// Corrupt key/value pairs: strings, keys, value types, arrays, alignment.
final class MalformedMetadataTests: XCTestCase {
    private let secondKeyOffset = firstKeyOffset + architectureEntrySize

    func testKeyLengthPastEndOfFile() {
        var b = GGUFBytes()
        b.header(tensorCount: 0, keyCount: 1)
        b.string("general.architecture", claimedLength: 100)
        b.u32(GGUFValueType.uint8.rawValue)
        b.u8(0)
        assertGGUFError(b.bytes, .truncated, at: firstKeyOffset)
    }

    func testKeyLengthAllOnes() {
        var b = GGUFBytes()
        b.header(tensorCount: 0, keyCount: 1)
        b.string("general.architecture", claimedLength: UInt64.max)
        b.u32(GGUFValueType.uint8.rawValue)
        b.u8(0)
        let error = assertGGUFError(b.bytes, .truncated, at: firstKeyOffset)
        XCTAssertTrue(error?.message.contains("18446744073709551615") ?? false)
    }

    func testStringValueLengthPastEndAndAllOnes() {
        for claimed: UInt64 in [6, 1 << 32, UInt64.max - 7, UInt64.max] {
            var b = GGUFBytes()
            b.header(tensorCount: 0, keyCount: 1)
            b.key("general.name", type: .string)
            b.string("tiny", claimedLength: claimed)
            assertGGUFError(b.bytes, .truncated, at: firstKeyOffset + 8 + 12 + 4)
        }
    }

    func testInvalidUTF8Rejected() {
        for bad: [UInt8] in [[0xFF], [0x67, 0xC3], [0xE2, 0x82], [0xF0, 0x90, 0x80], [0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            var b = GGUFBytes()
            b.header(tensorCount: 0, keyCount: 1)
            b.key("general.name", type: .string)
            b.stringBytes(bad)
            assertGGUFError(b.bytes, .invalidString, at: firstKeyOffset + 8 + 12 + 4)

            var k = GGUFBytes()
            k.header(tensorCount: 0, keyCount: 1)
            k.stringBytes(bad)
            k.u32(GGUFValueType.uint8.rawValue)
            k.u8(1)
            assertGGUFError(k.bytes, .invalidString, at: firstKeyOffset)
        }
    }

    func testEmptyKey() {
        let bytes = handcrafted(extraKeyCount: 1) { b in
            b.key("", type: .uint32)
            b.u32(7)
        }
        assertGGUFError(bytes, .emptyKey, at: secondKeyOffset)
    }

    func testDuplicateKey() {
        let bytes = handcrafted(extraKeyCount: 1) { b in b.keyString("general.architecture", "qwen2") }
        let error = assertGGUFError(bytes, .duplicateKey, at: secondKeyOffset)
        XCTAssertTrue(error?.message.contains("general.architecture") ?? false)
    }

    func testUnknownValueType() {
        for type: UInt32 in [13, 14, 0x8000_0000, 0xFFFF_FFFF] {
            let bytes = handcrafted(extraKeyCount: 1) { b in
                b.key("x.y", type: type)
                b.u64(0)
            }
            let error = assertGGUFError(bytes, .unknownValueType, at: secondKeyOffset + 8 + 3)
            XCTAssertTrue(error?.message.contains("\(type)") ?? false)
        }
    }

    func testUnknownArrayElementType() {
        let bytes = handcrafted(extraKeyCount: 1) { b in
            b.key("x.arr", type: .array)
            b.u32(13)
            b.u64(0)
        }
        assertGGUFError(bytes, .unknownValueType, at: secondKeyOffset + 8 + 5 + 4)
    }

    /// 10,000 nested single-element arrays must be rejected without deep recursion.
    func testArraysNestedTenThousandDeep() {
        let bytes = handcrafted(extraKeyCount: 1) { b in
            b.key("x.deep", type: .array)
            for _ in 0..<10_000 {
                b.u32(GGUFValueType.array.rawValue)
                b.u64(1)
            }
            b.u32(GGUFValueType.uint8.rawValue)
            b.u64(1)
            b.u8(42)
        }
        let arrayStart = secondKeyOffset + 8 + 6 + 4
        assertGGUFError(bytes, .nestingTooDeep, at: arrayStart + 12 * GGUFLimits.maxNestingDepth)
    }

    private func nested(depth: Int) -> [UInt8] {
        handcrafted(extraKeyCount: 1) { b in
            b.key("x.deep", type: .array)
            for _ in 0..<(depth - 1) {
                b.u32(GGUFValueType.array.rawValue)
                b.u64(1)
            }
            b.u32(GGUFValueType.uint8.rawValue)
            b.u64(1)
            b.u8(42)
        }
    }

    func testNestingAtTheLimitAcceptedOneMoreRejected() throws {
        let f = try GGUFFile(bytes: nested(depth: GGUFLimits.maxNestingDepth))
        var value = try XCTUnwrap(f["x.deep"])
        for _ in 0..<(GGUFLimits.maxNestingDepth - 1) { value = try XCTUnwrap(value.array?.first) }
        XCTAssertEqual(value, .array(.uint8, [.uint8(42)]))
        assertGGUFError(nested(depth: GGUFLimits.maxNestingDepth + 1), .nestingTooDeep)
    }

    func testArrayLengthPastEnd() {
        let countOffset = secondKeyOffset + 8 + 5 + 4 + 4
        for (type, count) in [(GGUFValueType.uint32, UInt64(100)), (.uint8, 1000), (.string, 1 << 62), (.array, 1 << 40),
                              (.float64, UInt64.max), (.int16, 0x7FFF_FFFF_FFFF_FFFF)] {
            let bytes = handcrafted(extraKeyCount: 1) { b in
                b.key("x.arr", type: .array)
                b.u32(type.rawValue)
                b.u64(count)
                b.u32(1)
                b.u32(2)
            }
            assertGGUFError(bytes, .countTooLarge, at: countOffset)
        }
    }

    func testArrayOfStringsWithOneStringPastEnd() {
        let bytes = handcrafted(extraKeyCount: 1) { b in
            b.key("x.arr", type: .array)
            b.u32(GGUFValueType.string.rawValue)
            b.u64(2)
            b.string("ok")
            b.string("bad", claimedLength: 500)
        }
        assertGGUFError(bytes, .truncated, at: secondKeyOffset + 8 + 5 + 4 + 12 + 10)
    }

    func testScalarValueTruncated() {
        var b = GGUFBytes()
        b.header(tensorCount: 0, keyCount: 1)
        b.key("x.f64", type: .float64)
        b.u32(0)
        assertGGUFError(b.bytes, .truncated, at: firstKeyOffset + 8 + 5 + 4)
    }

    func testAlignmentZeroThirteenAndHugeRejected() {
        let valueOffset = secondKeyOffset + 8 + 17 + 4
        for alignment: UInt32 in [0, 13, 48, 1 << 17, 1 << 30, UInt32.max] {
            let error = assertGGUFError(handcrafted(alignment: alignment), .badAlignment, at: valueOffset)
            XCTAssertTrue(error?.message.contains("\(alignment)") ?? false)
        }
    }

    func testAlignmentOfWrongTypeRejected() {
        var b = GGUFBytes()
        b.header(tensorCount: 0, keyCount: 1)
        b.keyString("general.alignment", "32")
        assertGGUFError(b.bytes, .badAlignment, at: firstKeyOffset + 8 + 17 + 4)
    }

    func testValidAlignmentsAccepted() throws {
        for alignment: UInt32 in [1, 8, 64, 4096, 1 << 16] {
            let bytes = handcrafted(alignment: alignment, tensors: [RawTensor(name: "w", dimensions: [4], type: 0, offset: 0)], dataBytes: 16)
            let f = try GGUFFile(bytes: bytes)
            XCTAssertEqual(f.alignment, Int(alignment))
            XCTAssertEqual(f.dataOffset % Int(alignment), 0)
            XCTAssertEqual(Array(f.data(for: f.tensors[0])), (0..<16).map { UInt8($0) })
        }
    }
}
