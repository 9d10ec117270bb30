import GGUF
import TestSupport
import XCTest

/// Corrupt tensor infos and tensor placement.
final class MalformedTensorTests: XCTestCase {
    /// Byte where the first tensor info starts in a `handcrafted` file without extra keys.
    private let firstInfoOffset = firstKeyOffset + architectureEntrySize
    private let f32: UInt32 = 0

    private func single(_ t: RawTensor, dataBytes: Int = 4096) -> [UInt8] {
        handcrafted(tensors: [t], dataBytes: dataBytes)
    }

    func testNameTooLong() throws {
        let long = String(repeating: "n", count: 64)
        let error = assertGGUFError(single(RawTensor(name: long, dimensions: [4], type: f32, offset: 0)), .tensorNameTooLong, at: firstInfoOffset)
        XCTAssertTrue(error?.message.contains("64 bytes") ?? false)
        let longest = String(repeating: "n", count: 63)
        XCTAssertEqual(try GGUFFile(bytes: single(RawTensor(name: longest, dimensions: [4], type: f32, offset: 0))).tensors[0].name, longest)
    }

    func testDuplicateTensorName() {
        let bytes = handcrafted(tensors: [RawTensor(name: "w", dimensions: [8], type: f32, offset: 0),
                                          RawTensor(name: "w", dimensions: [8], type: f32, offset: 32)], dataBytes: 64)
        let secondInfo = firstInfoOffset + 8 + 1 + 4 + 8 + 4 + 8
        let error = assertGGUFError(bytes, .duplicateTensor, at: secondInfo)
        XCTAssertTrue(error?.message.contains("'w'") ?? false)
    }

    func testDimensionCountZeroAndFive() {
        assertGGUFError(single(RawTensor(name: "w", dimensions: [], type: f32, offset: 0)), .badDimensionCount, at: firstInfoOffset + 9)
        assertGGUFError(single(RawTensor(name: "w", dimensions: [1, 1, 1, 1, 1], type: f32, offset: 0)), .badDimensionCount, at: firstInfoOffset + 9)
        var b = GGUFBytes()
        b.header(tensorCount: 1, keyCount: 0)
        b.tensorInfo(name: "w", dimensionCount: UInt32.max, dimensions: [1], type: f32, offset: 0)
        assertGGUFError(b.bytes, .badDimensionCount, at: firstKeyOffset + 9)
    }

    func testZeroDimension() {
        assertGGUFError(single(RawTensor(name: "w", dimensions: [4, 0, 2], type: f32, offset: 0)), .zeroDimension, at: firstInfoOffset + 13 + 8)
        assertGGUFError(single(RawTensor(name: "w", dimensions: [0], type: f32, offset: 0)), .zeroDimension, at: firstInfoOffset + 13)
    }

    func testDimensionProductOverflows() {
        let cases: [[UInt64]] = [
            [UInt64(Int64.max), 2, 1, 1],
            [4, (1 << 30) - 1, (1 << 30) + 1, 1],  // 2^62 - 4 elements: fits, but not as F32 bytes
            [1 << 32, 1 << 32],
            [UInt64(Int64.max) + 1],
            [UInt64.max, 1],
        ]
        for dims in cases {
            assertGGUFError(single(RawTensor(name: "w", dimensions: dims, type: f32, offset: 0)), .sizeOverflow)
        }
    }

    func testHugeButRepresentableTensorIsOutOfBounds() {
        // 2^62 - 4 one-byte elements fit in Int but not in the file.
        assertGGUFError(single(RawTensor(name: "w", dimensions: [4, (1 << 30) - 1, (1 << 30) + 1, 1], type: GGMLType.i8.rawValue, offset: 0)),
                        .tensorOutOfBounds, at: firstInfoOffset)
    }

    func testUnknownTensorType() {
        for type: UInt32 in [4, 5, 31, 32, 33, 36, 40, 1000, UInt32.max] {
            let error = assertGGUFError(single(RawTensor(name: "w", dimensions: [32], type: type, offset: 0)), .unknownTensorType,
                                        at: firstInfoOffset + 13 + 8)
            XCTAssertTrue(error?.message.contains("\(type)") ?? false)
        }
    }

    func testRowNotAMultipleOfTheBlockSize() {
        let error = assertGGUFError(single(RawTensor(name: "w", dimensions: [33, 2], type: GGMLType.q4_0.rawValue, offset: 0)),
                                    .rowNotBlockMultiple, at: firstInfoOffset)
        XCTAssertTrue(error?.message.contains("33") ?? false)
        assertGGUFError(single(RawTensor(name: "w", dimensions: [128], type: GGMLType.q4_K.rawValue, offset: 0)), .rowNotBlockMultiple)
        // Only the row length must be whole blocks; other dimensions are free.
        XCTAssertNoThrow(try GGUFFile(bytes: single(RawTensor(name: "w", dimensions: [32, 3], type: GGMLType.q4_0.rawValue, offset: 0))))
    }

    func testMisalignedOffset() {
        let error = assertGGUFError(single(RawTensor(name: "w", dimensions: [4], type: f32, offset: 16)), .misalignedOffset,
                                    at: firstInfoOffset + 13 + 8 + 4)
        XCTAssertTrue(error?.message.contains("16") ?? false)
        assertGGUFError(handcrafted(alignment: 64, tensors: [RawTensor(name: "w", dimensions: [4], type: f32, offset: 32)], dataBytes: 256),
                        .misalignedOffset)
    }

    func testOverlappingTensors() {
        let bytes = handcrafted(tensors: [RawTensor(name: "a", dimensions: [16], type: f32, offset: 0),
                                          RawTensor(name: "b", dimensions: [16], type: f32, offset: 32)], dataBytes: 128)
        let error = assertGGUFError(bytes, .overlappingTensors)
        XCTAssertTrue((error?.message.contains("'a'") ?? false) && (error?.message.contains("'b'") ?? false))
        // Same start, declared in reverse order.
        assertGGUFError(handcrafted(tensors: [RawTensor(name: "a", dimensions: [4], type: f32, offset: 64),
                                              RawTensor(name: "b", dimensions: [4], type: f32, offset: 64)], dataBytes: 128), .overlappingTensors)
        // Touching but not overlapping is fine, in any order.
        XCTAssertNoThrow(try GGUFFile(bytes: handcrafted(tensors: [RawTensor(name: "a", dimensions: [8], type: f32, offset: 32),
                                                                   RawTensor(name: "b", dimensions: [8], type: f32, offset: 0)], dataBytes: 64)))
    }

    func testOffsetPastTheEnd() {
        for offset: UInt64 in [4096, 1 << 40, UInt64(Int64.max) - 31, UInt64.max - 31] {
            assertGGUFError(single(RawTensor(name: "w", dimensions: [4], type: f32, offset: offset)), .tensorOutOfBounds, at: firstInfoOffset)
        }
    }

    func testFileOneByteShortOfItsTensorData() throws {
        let tensors = [RawTensor(name: "a", dimensions: [8], type: f32, offset: 0),
                       RawTensor(name: "b", dimensions: [32, 2], type: GGMLType.q8_0.rawValue, offset: 32)]
        let full = handcrafted(tensors: tensors, dataBytes: 32 + 68)
        XCTAssertEqual(try GGUFFile(bytes: full).tensors.count, 2)
        let error = assertGGUFError(Array(full.dropLast()), .tensorOutOfBounds)
        XCTAssertTrue(error?.message.contains("'b'") ?? false)
    }

    func testFileCutAnywhereInTheHeaderFails() {
        let full = handcrafted(tensors: [RawTensor(name: "w", dimensions: [8], type: f32, offset: 0)], dataBytes: 32)
        for length in 0..<(full.count - 32) {
            XCTAssertThrowsError(try GGUFFile(bytes: Array(full.prefix(length))), "length \(length)") { error in
                let kind = (error as? GGUFError)?.kind
                XCTAssertTrue(kind == .truncated || kind == .tensorOutOfBounds || kind == .countTooLarge, "\(error)")
            }
        }
    }

    func testTensorInfoTruncated() {
        var b = GGUFBytes()
        b.header(tensorCount: 1, keyCount: 0)
        b.string("w")
        b.u32(2)
        b.u64(4)
        b.u64(4)
        b.u32(0)
        b.zeros(3)  // offset cut short
        assertGGUFError(b.bytes, .truncated, at: firstKeyOffset + 9 + 4 + 8 + 8 + 4)
    }
}
