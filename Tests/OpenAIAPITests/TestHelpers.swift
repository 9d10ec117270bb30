import Foundation
import OpenAIAPI
import XCTest

/// Parses a chat body given as JSON text.
func chat(_ json: String) throws(APIError) -> ChatCompletionRequest {
    try ChatCompletionRequest(body: Data(json.utf8))
}

/// Parses a completions body given as JSON text.
func completion(_ json: String) throws(APIError) -> CompletionRequest {
    try CompletionRequest(body: Data(json.utf8))
}

/// A minimal valid chat body with `extra` members (JSON text without braces) appended.
func chatBody(_ extra: String = "") -> String {
    let base = #""model":"m","messages":[{"role":"user","content":"hi"}]"#
    return "{" + base + (extra.isEmpty ? "" : "," + extra) + "}"
}

/// A minimal valid completions body with `extra` members appended.
func completionBody(_ extra: String = "") -> String {
    let base = #""model":"m","prompt":"Once"#
    return "{" + base + "\"" + (extra.isEmpty ? "" : "," + extra) + "}"
}

/// Asserts that `parse` fails with a 400 whose `param` and `code` are as given; returns the error.
@discardableResult
func assertRejected<T>(_ parse: @autoclosure () throws(APIError) -> T, param: String?, code: String?,
                       status: Int = 400, file: StaticString = #filePath, line: UInt = #line) -> APIError? {
    do {
        let value = try parse()
        XCTFail("expected rejection (param \(param ?? "nil"), code \(code ?? "nil")), but parsed \(value)", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.status, status, "\(error)", file: file, line: line)
        XCTAssertEqual(error.param, param, "\(error)", file: file, line: line)
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.type, "invalid_request_error", "\(error)", file: file, line: line)
        if let param { XCTAssertTrue(error.message.contains(param), "message should name \(param): \(error.message)", file: file, line: line) }
        return error
    }
}

/// Encodes `value` and reads it back with JSONSerialization as a dictionary.
func encodedObject(_ value: some Encodable, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let data = try APIJSON.encode(value)
    let object = try JSONSerialization.jsonObject(with: data)
    return try XCTUnwrap(object as? [String: Any], "not an object: \(String(decoding: data, as: UTF8.self))", file: file, line: line)
}

/// A small deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
