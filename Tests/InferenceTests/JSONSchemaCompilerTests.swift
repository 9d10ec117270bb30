import Foundation
import Inference
import XCTest

/// JSON Schema -> grammar: hand-written valid and invalid documents per feature, and refusals.
final class JSONSchemaCompilerTests: XCTestCase {
    private func grammar(_ schema: String, file: StaticString = #filePath, line: UInt = #line) throws -> Grammar {
        do { return try JSONSchemaCompiler.compile(schema: schema) } catch {
            XCTFail("\(error)", file: file, line: line)
            throw error
        }
    }

    private func check(_ schema: String, valid: [String], invalid: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try grammar(schema, file: file, line: line)
        for v in valid { XCTAssertTrue(g.matches(v), "should accept \(v)", file: file, line: line) }
        for v in invalid { XCTAssertFalse(g.matches(v), "should refuse \(v)", file: file, line: line) }
    }

    func testObjectsRequiredAndOptionalInOrder() throws {
        try check(#"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},"required":["b"]}"#,
                  valid: [#"{"b": "x"}"#, #"{"a": 1, "b": "x"}"#, #"{"b": "x", "c": false}"#, #"{"a": -3, "b": "", "c": true}"#],
                  invalid: [#"{}"#, #"{"a": 1}"#, #"{"b": "x", "a": 1}"#, #"{"b": 1}"#, #"{"b": "x",}"#, #"{"b": "x", "d": 1}"#])
        try check(#"{"type":"object","properties":{"a":{"type":"null"}}}"#,
                  valid: [#"{}"#, #"{"a": null}"#], invalid: [#"{"a": 0}"#])
    }

    func testEnumsConstAndTypeLists() throws {
        try check(#"{"enum":["red","green",3,null,true]}"#,
                  valid: [#""red""#, #""green""#, "3", "null", "true"], invalid: [#""blue""#, "4", "false"])
        try check(#"{"const":"fixed"}"#, valid: [#""fixed""#], invalid: [#""fix""#])
        try check(#"{"type":["integer","null"]}"#, valid: ["12", "null"], invalid: ["1.5", #""x""#])
        try check(#"{"anyOf":[{"type":"boolean"},{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}]}"#,
                  valid: ["false", #"{"x": 2.5}"#], invalid: [#"{}"#, "1"])
    }

    func testArraysWithBounds() throws {
        try check(#"{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}"#,
                  valid: ["[1, 2]", "[1,2,3]"], invalid: ["[]", "[1]", "[1,2,3,4]", #"["a","b"]"#])
        try check(#"{"type":"array","items":{"type":"string"},"maxItems":1}"#,
                  valid: ["[]", #"["a"]"#], invalid: [#"["a","b"]"#])
        try check(#"{"type":"array","minItems":1}"#, valid: [#"[{"x":[]}]"#], invalid: ["[]"])
    }

    func testStrings() throws {
        try check(#"{"type":"string","minLength":2,"maxLength":3}"#,
                  valid: [#""ab""#, #""abc""#, #""a\n""#], invalid: [#""a""#, #""abcd""#])
        try check(#"{"type":"string","pattern":"^[A-Z]{2}-\\d{3}$"}"#,
                  valid: [#""AB-123""#], invalid: [#""AB-12""#, #""ab-123""#, #""AB-1234""#])
        try check(#"{"type":"string","pattern":"^(?:cat|dog)s?\\.$"}"#,
                  valid: [#""cat.""#, #""dogs.""#], invalid: [#""cow.""#, #""cats""#])
        try check(#"{"type":"string","format":"date"}"#,
                  valid: [#""2024-02-29""#], invalid: [#""2024-13-01""#, #""24-01-01""#])
        try check(#"{"type":"string","format":"date-time"}"#,
                  valid: [#""2024-02-29T13:05:00Z""#, #""2024-02-29T13:05:00.5+01:00""#], invalid: [#""2024-02-29 13:05:00Z""#])
        try check(#"{"type":"string","format":"uuid"}"#,
                  valid: [#""123e4567-e89b-12d3-a456-426614174000""#], invalid: [#""123e4567""#])
    }

    func testIntegerRanges() throws {
        let g = try grammar(#"{"type":"integer","minimum":-15,"maximum":237}"#)
        for n in -30...300 {
            XCTAssertEqual(g.matches(String(n)), (-15...237).contains(n), "\(n)")
        }
        XCTAssertFalse(g.matches("007"))
        let low = try grammar(#"{"type":"integer","exclusiveMinimum":99}"#)
        for n in [-1, 0, 99] { XCTAssertFalse(low.matches(String(n)), "\(n)") }
        for n in [100, 101, 999, 1000, 123456] { XCTAssertTrue(low.matches(String(n)), "\(n)") }
        let high = try grammar(#"{"type":"integer","maximum":-20}"#)
        for n in [-19, 0, 5] { XCTAssertFalse(high.matches(String(n)), "\(n)") }
        for n in [-20, -21, -99, -100, -5000] { XCTAssertTrue(high.matches(String(n)), "\(n)") }
    }

    func testRefsAndRecursion() throws {
        try check(##"{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}},"$ref":"#/$defs/node"}"##,
                  valid: [#"{"v": 1, "next": null}"#, #"{"v": 1, "next": {"v": 2, "next": null}}"#],
                  invalid: [#"{"v": 1}"#])
    }

    private func unsupported(_ schema: String, _ feature: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try JSONSchemaCompiler.compile(schema: schema)
            XCTFail("expected \(feature) to be refused", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, .unsupportedFeature(feature), file: file, line: line)
            XCTAssertTrue(error.message.contains(feature), error.message, file: file, line: line)
        }
    }

    func testUnsupportedFeaturesAreNamed() {
        unsupported(#"{"type":"object","properties":{"a":{"type":"string","not":{"const":"x"}}}}"#, "not")
        unsupported(#"{"type":"array","uniqueItems":true}"#, "uniqueItems")
        unsupported(#"{"type":"number","multipleOf":2}"#, "multipleOf")
        unsupported(#"{"type":"string","format":"hostname"}"#, "format")
        unsupported(#"{"type":"string","pattern":"^(?=a)b$"}"#, "pattern")
        unsupported(#"{"type":"string","pattern":"(a)\\1"}"#, "pattern")
        unsupported(#"{"$ref":"https://example.com/s.json"}"#, "$ref")
        unsupported(#"{"allOf":[{"type":"string"},{"minLength":2}]}"#, "allOf")
        unsupported(#"{"type":"object","patternProperties":{"^x":{}}}"#, "patternProperties")
        XCTAssertThrowsError(try JSONSchemaCompiler.compile(schema: "{not json")) { e in
            XCTAssertEqual((e as? GrammarError)?.kind, .invalidSchema)
        }
        XCTAssertThrowsError(try JSONSchemaCompiler.compile(schema: #"{"type":"string","minLength":5,"maxLength":2}"#))
    }
}
