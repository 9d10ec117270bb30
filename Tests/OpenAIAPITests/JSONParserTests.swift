import Foundation
import OpenAIAPI
import XCTest

/// The strict JSON parser and writer.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Data(text.utf8))
    }

    private func assertInvalid(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), "accepted \(text.debugDescription)", file: file, line: line)
    }

    func testParsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null, "x\u00e9\n"], "b": {}} "#)
        guard case .object(let object) = value else { return XCTFail("not an object") }
        XCTAssertEqual(object.keys, ["a", "b"])
        XCTAssertEqual(object["a"], .array([
            .number(JSONNumber(1)), .number(try XCTUnwrap(numberOf("-2.5e3"))), .bool(true), .bool(false), .null, .string("xé\n"),
        ]))
        XCTAssertEqual(object["b"], .object(JSONObject()))
    }

    private func numberOf(_ literal: String) -> JSONNumber? {
        if case .number(let number) = try? parse(literal) { return number }
        return nil
    }

    func testBooleansAndNumbersStayDistinct() throws {
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("1").typeName, "integer")
        XCTAssertEqual(try parse("true").typeName, "boolean")
        XCTAssertNotEqual(try parse("1"), try parse("true"))
    }

    func testNumbersAreExact() throws {
        XCTAssertEqual(numberOf("9223372036854775807")?.int64Value, Int64.max)
        XCTAssertEqual(numberOf("-9223372036854775808")?.int64Value, Int64.min)
        XCTAssertNil(numberOf("9223372036854775808")?.int64Value)
        XCTAssertEqual(numberOf("5.0")?.int64Value, 5)
        XCTAssertEqual(numberOf("1e3")?.int64Value, 1000)
        XCTAssertNil(numberOf("2.5")?.int64Value)
        XCTAssertEqual(numberOf("-0")?.int64Value, 0)
        XCTAssertEqual(numberOf("0.25")?.doubleValue, 0.25)
        XCTAssertEqual(numberOf("1E-2")?.doubleValue, 0.01)
        XCTAssertEqual(numberOf("1e999")?.doubleValue, .infinity)
    }

    func testRejectsNonStandardSyntax() {
        for text in [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "[01]", "[1.]", "[.5]", "[+1]", "[1e]",
            "[-]", "NaN", "Infinity", "[tru]", "nul", "[1 2]", "{\"a\" 1}", "{\"a\":}", "// c\n{}", "{} x", "{}{}",
            "\u{FEFF}{}", "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"abc", "[\"a\",", "{\"a\":1,\"a\":2}",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
        ] {
            assertInvalid(text)
        }
    }

    func testSurrogatePairsDecode() throws {
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse(#""\u0000""#), .string("\u{0}"))
    }

    func testRejectsInvalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xE2, 0x82, 0x5C, 0x6E, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xC0, 0xAF, 0x22],
        ] {
            XCTAssertThrowsError(try JSONParser.parse(bytes: bytes), "\(bytes)")
        }
        XCTAssertEqual(try JSONParser.parse(bytes: [0x22, 0xC3, 0xA9, 0x22]), .string("é"))
    }

    func testDeepNestingFailsCleanly() {
        for opener in ["[", "{\"a\":"] {
            let text = String(repeating: opener, count: 10_000)
            XCTAssertThrowsError(try parse(text)) { error in
                XCTAssertTrue("\(error)".contains("nesting"), "\(error)")
            }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try parse(deep))
        let allowed = String(repeating: "[", count: JSONParser.defaultMaxDepth) + String(repeating: "]", count: JSONParser.defaultMaxDepth)
        XCTAssertNoThrow(try parse(allowed))
    }

    func testWriterEscapesEveryControlCharacter() throws {
        var string = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        string += "\"\\/é😀\u{7F}\u{2028}"
        let bytes = JSONValue.string(string).serialized
        let decoded = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
        XCTAssertEqual(decoded, string)
        XCTAssertEqual(try JSONParser.parse(bytes: bytes), .string(string))
    }

    func testObjectsKeepMemberOrder() throws {
        let text = #"{"z":1,"a":{"y":true,"b":null},"m":[]}"#
        let value = try parse(text)
        XCTAssertEqual(String(decoding: value.serialized, as: UTF8.self), text)
    }

    // MARK: fuzzing

    private func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let pick = depth > 4 ? Int.random(in: 0..<4, using: &rng) : Int.random(in: 0..<6, using: &rng)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            let literals = ["0", "-1", "42", "3.25", "-0.5e-3", "1E+2", "9223372036854775807", "123456789.000001"]
            return .number(JSONParserTestsSupport.number(literals[Int.random(in: 0..<literals.count, using: &rng)]))
        case 3:
            let pool = Array("ab\"\\/\n\t\u{0}\u{1F}é中😀 ")
            let count = Int.random(in: 0..<8, using: &rng)
            return .string(String((0..<count).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] }))
        case 4:
            return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for index in 0..<Int.random(in: 0..<4, using: &rng) {
                object["k\(index)\(Int.random(in: 0..<3, using: &rng))"] = randomValue(&rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    func testFuzzRoundTripThroughWriter() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = randomValue(&rng, depth: 0)
            let bytes = value.serialized
            XCTAssertEqual(try JSONParser.parse(bytes: bytes), value)
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed))
        }
    }

    func testFuzzMutatedInputsNeverCrash() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \truefalsnl"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xFF]
        var accepted = 0
        for _ in 0..<5_000 {
            var bytes = randomValue(&rng, depth: 0).serialized
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let operation = Int.random(in: 0..<4, using: &rng)
                let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
                let byte = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                switch operation {
                case 0 where !bytes.isEmpty: bytes[index] = byte
                case 1: bytes.insert(byte, at: index)
                case 2 where !bytes.isEmpty: bytes.remove(at: index)
                default: bytes = Array(bytes.prefix(index))
                }
            }
            if let value = try? JSONParser.parse(bytes: bytes) {
                accepted += 1
                // Whatever we accept is standard JSON that round-trips through our writer. (Foundation
                // refuses numbers beyond Double's range, which RFC 8259 leaves to implementations.)
                if !hasHugeNumber(value) {
                    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed),
                                     "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                }
                XCTAssertEqual(try JSONParser.parse(bytes: value.serialized), value)
            }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    private func hasHugeNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): return !number.doubleValue.isFinite
        case .array(let elements): return elements.contains(where: hasHugeNumber)
        case .object(let object): return object.members.contains { hasHugeNumber($0.value) }
        default: return false
        }
    }

    func testFuzzMutatedRequestsFailWithClientErrors() {
        var rng = SplitMix64(seed: 2024)
        let body = Array(chatBody(#""max_tokens":8,"stop":["a"],"temperature":0.5,"stream":true,"stream_options":{"include_usage":true}"#).utf8)
        let alphabet = Array(#"{}[]":,.-0123456789 \truefalsnl"#.utf8) + [0x00, 0xFF]
        var parsed = 0
        for _ in 0..<5_000 {
            var bytes = body
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                if Bool.random(using: &rng) {
                    bytes[index] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                } else if bytes.count > 1 {
                    bytes.remove(at: index)
                }
            }
            do {
                _ = try ChatCompletionRequest(bodyBytes: bytes)
                parsed += 1
            } catch {
                XCTAssertEqual(error.status, 400)
                XCTAssertEqual(error.type, "invalid_request_error")
                XCTAssertNotNil(error.code)
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }

    func testFuzzRandomBytesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? JSONParser.parse(bytes: bytes)
            _ = try? ChatCompletionRequest(bodyBytes: bytes)
        }
    }
}

enum JSONParserTestsSupport {
    static func number(_ literal: String) -> JSONNumber {
        guard case .number(let number)? = try? JSONParser.parse(bytes: Array(literal.utf8)) else { return JSONNumber(0) }
        return number
    }
}
