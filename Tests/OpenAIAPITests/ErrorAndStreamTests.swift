import Foundation
import OpenAIAPI
import XCTest

/// The error envelope, the error factories and SSE framing.
final class ErrorAndStreamTests: XCTestCase {
    private func envelope(_ data: Data) throws -> [String: Any] {
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["error"])
        let error = try XCTUnwrap(object["error"] as? [String: Any])
        XCTAssertEqual(Set(error.keys), ["message", "type", "param", "code"])
        return error
    }

    func testEnvelopeHasExplicitNulls() throws {
        let error = try envelope(APIError.internal("boom").body)
        XCTAssertEqual(error["message"] as? String, "boom")
        XCTAssertEqual(error["type"] as? String, "server_error")
        XCTAssertTrue(error["param"] is NSNull)
        XCTAssertEqual(error["code"] as? String, "internal_error")
        let bare = try envelope(APIError(status: 400, message: "m", type: "invalid_request_error").body)
        XCTAssertTrue(bare["code"] is NSNull)
    }

    func testEnvelopeEscapesAnyMessage() throws {
        let message = "line1\nline2\t\"quoted\" \\ \u{0}\u{1F} é😀"
        let error = try envelope(APIError.invalidValue("stop", message).body)
        XCTAssertEqual(error["message"] as? String, "Invalid value for 'stop': " + message)
        XCTAssertEqual(error["param"] as? String, "stop")
    }

    func testEncodableMatchesBody() throws {
        let error = APIError.unsupportedParameter("tools")
        let viaEncoder = try JSONSerialization.jsonObject(with: try APIJSON.encode(error)) as? NSDictionary
        let viaBody = try JSONSerialization.jsonObject(with: error.body) as? NSDictionary
        XCTAssertEqual(viaEncoder, viaBody)
    }

    func testFactories() {
        let cases: [(APIError, Int, String, String?, String?)] = [
            (.invalidJSON("x"), 400, "invalid_request_error", "invalid_json", nil),
            (.unsupportedParameter("tools"), 400, "invalid_request_error", "unsupported_parameter", "tools"),
            (.missingParameter("model"), 400, "invalid_request_error", "missing_required_parameter", "model"),
            (.invalidType("n", expected: "an integer"), 400, "invalid_request_error", "invalid_type", "n"),
            (.invalidValue("n", "bad"), 400, "invalid_request_error", "invalid_value", "n"),
            (.unknownModel("gpt-9"), 404, "invalid_request_error", "model_not_found", "model"),
            (.contextLengthExceeded(needed: 5000, limit: 4096), 400, "invalid_request_error", "context_length_exceeded", "messages"),
            (.unauthorized, 401, "invalid_request_error", "invalid_api_key", nil),
            (.bodyTooLarge(limit: 1024), 413, "invalid_request_error", "request_too_large", nil),
            (.overloaded(retryAfterSeconds: 3), 429, "rate_limit_error", "rate_limit_exceeded", nil),
            (.unavailable("loading"), 503, "server_error", "service_unavailable", nil),
            (.internal("x"), 500, "server_error", "internal_error", nil),
        ]
        for (error, status, type, code, param) in cases {
            XCTAssertEqual(error.status, status, "\(error)")
            XCTAssertEqual(error.type, type, "\(error)")
            XCTAssertEqual(error.code, code, "\(error)")
            XCTAssertEqual(error.param, param, "\(error)")
            XCTAssertFalse(error.message.isEmpty)
        }
        XCTAssertEqual(APIError.overloaded(retryAfterSeconds: 3).retryAfterSeconds, 3)
        XCTAssertTrue(APIError.unknownModel("gpt-9").message.contains("gpt-9"))
        XCTAssertTrue(APIError.contextLengthExceeded(needed: 5000, limit: 4096).message.contains("4096"))
    }

    func testSSEFraming() throws {
        let chunk = ChatCompletionChunk(id: "c", created: 1, model: "m", choices: [.init(delta: .init(content: "a\nb"))])
        let event = try ServerSentEvents.event(chunk)
        let text = String(decoding: event, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("data: {"))
        XCTAssertTrue(text.hasSuffix("}\n\n"))
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 2, "the payload itself holds no raw newline")
        let payload = Data(event.dropFirst(6).dropLast(2))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: payload) as? [String: Any])?["id"] as? String, "c")
        XCTAssertEqual(String(decoding: ServerSentEvents.done, as: UTF8.self), "data: [DONE]\n\n")
    }

    func testSSEErrorEvent() throws {
        let event = ServerSentEvents.errorEvent(.unavailable("draining"))
        let text = String(decoding: event, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("data: {\"error\":"))
        XCTAssertTrue(text.hasSuffix("\n\n"))
        let error = try envelope(Data(event.dropFirst(6).dropLast(2)))
        XCTAssertEqual(error["code"] as? String, "service_unavailable")
    }
}
