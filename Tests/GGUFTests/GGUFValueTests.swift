import GGUF
import XCTest

/// The typed accessors of `GGUFValue`.
final class GGUFValueTests: XCTestCase {
    func testIntAccessorIsExact() {
        XCTAssertEqual(GGUFValue.uint8(200).int, 200)
        XCTAssertEqual(GGUFValue.int8(-3).int, -3)
        XCTAssertEqual(GGUFValue.uint32(UInt32.max).int, 4_294_967_295)
        XCTAssertEqual(GGUFValue.int64(Int64.min).int, Int.min)
        XCTAssertEqual(GGUFValue.uint64(UInt64(Int.max)).int, Int.max)
        XCTAssertNil(GGUFValue.uint64(UInt64(Int.max) + 1).int)
        XCTAssertNil(GGUFValue.float32(1).int)
        XCTAssertNil(GGUFValue.bool(true).int)
        XCTAssertNil(GGUFValue.string("1").int)
    }

    func testFloatingAccessors() {
        XCTAssertEqual(GGUFValue.float32(0.1).float, 0.1)
        XCTAssertEqual(GGUFValue.float32(0.1).double, Double(Float(0.1)))
        XCTAssertEqual(GGUFValue.float64(0.1).double, 0.1)
        XCTAssertEqual(GGUFValue.uint32(10_000).float, 10_000)
        XCTAssertEqual(GGUFValue.int16(-2).double, -2)
        XCTAssertNil(GGUFValue.string("x").double)
        XCTAssertNil(GGUFValue.bool(false).float)
    }

    func testOtherAccessors() {
        XCTAssertEqual(GGUFValue.string("s").string, "s")
        XCTAssertNil(GGUFValue.uint8(1).string)
        XCTAssertEqual(GGUFValue.bool(true).bool, true)
        XCTAssertNil(GGUFValue.uint8(1).bool)
        XCTAssertEqual(GGUFValue.array(.int32, []).array, [])
        XCTAssertNil(GGUFValue.int32(1).array)
        XCTAssertEqual(GGUFValue.array(.uint8, [.uint8(3)]).type, .array)
    }

    func testArrayAccessors() {
        let strings = GGUFValue.array(.string, [.string("a"), .string("b")])
        XCTAssertEqual(strings.stringArray, ["a", "b"])
        XCTAssertNil(strings.intArray)
        XCTAssertNil(strings.floatArray)
        let ints = GGUFValue.array(.int32, [.int32(1), .int32(-2)])
        XCTAssertEqual(ints.intArray, [1, -2])
        XCTAssertEqual(ints.floatArray, [1, -2])
        XCTAssertNil(ints.stringArray)
        XCTAssertEqual(GGUFValue.array(.float32, [.float32(0.5)]).floatArray, [0.5])
        XCTAssertNil(GGUFValue.array(.uint64, [.uint64(UInt64.max)]).intArray)
        XCTAssertEqual(GGUFValue.array(.string, []).stringArray, [])
        XCTAssertNil(GGUFValue.string("x").stringArray)
    }

    func testErrorDescriptions() {
        XCTAssertEqual(GGUFError(.badMagic, at: 0, "m").description, "malformed GGUF at byte 0: m")
        XCTAssertEqual(GGUFError(.io, at: -1, "cannot open x").description, "GGUF I/O error: cannot open x")
        XCTAssertEqual(GGUFError(.typeMismatch, at: -1, "t").description, "invalid GGUF: t")
    }

    func testTypeNames() {
        XCTAssertEqual(GGMLType.q4_K.description, "Q4_K")
        XCTAssertEqual(GGMLType.iq2_xxs.description, "IQ2_XXS")
        XCTAssertEqual(GGMLType.q8_0.description, "Q8_0")
        XCTAssertEqual("\(GGMLType.f16)", "F16")
    }
}
