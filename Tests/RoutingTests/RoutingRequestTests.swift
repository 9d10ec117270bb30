import OpenAIAPI
import Routing
import XCTest

final class RoutingRequestTests: XCTestCase {
    func chat(_ json: String) throws -> ChatCompletionRequest {
        try ChatCompletionRequest(body: Data(json.utf8))
    }

    func testChatRequestWithHeaders() throws {
        let body = try chat(#"{"model":"m","max_tokens":32,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        let request = try RoutingRequest(body, headers: RoutingHeaders(dataClass: " Restricted ", latencySLO: "750"))
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.input, .messages(["hi"]))
        XCTAssertEqual(request.maxTokens, 32)
        XCTAssertEqual(request.callerDataClass, .restricted)
        XCTAssertEqual(request.latencySLOMs, 750)
        XCTAssertTrue(request.stream)
    }

    func testMetadataAndHeaderTakeTheMoreRestrictive() throws {
        let body = try chat(#"{"model":"m","metadata":{"data_class":"restricted"},"messages":[{"role":"user","content":"x"}]}"#)
        XCTAssertEqual(try RoutingRequest(body, headers: RoutingHeaders(dataClass: "public")).callerDataClass, .restricted)
        XCTAssertEqual(try RoutingRequest(body).callerDataClass, .restricted)
    }

    func testCompletionRequest() throws {
        let body = try CompletionRequest(body: Data(#"{"model":"m","prompt":"Once"}"#.utf8))
        let request = try RoutingRequest(body)
        XCTAssertEqual(request.input, .prompt("Once"))
        XCTAssertNil(request.callerDataClass)
    }

    func testUnknownClassOrBadSLOIsAnError() throws {
        let body = try chat(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#)
        XCTAssertThrowsError(try RoutingRequest(body, headers: RoutingHeaders(dataClass: "restriced"))) { error in
            XCTAssertEqual((error as? RoutingRequestError)?.source, "x-outpost-data-class")
            XCTAssertEqual((error as? RoutingRequestError)?.apiError.status, 400)
        }
        XCTAssertThrowsError(try RoutingRequest(body, headers: RoutingHeaders(latencySLO: "-5")))
    }

    func testTokenEstimate() {
        XCTAssertEqual(TokenEstimator.estimate("abcd"), 1)
        XCTAssertEqual(TokenEstimator.estimate("abcde"), 2)
        XCTAssertEqual(TokenEstimator.estimate("日本語"), 3)  // one per non-ASCII scalar, not 9 bytes / 4
        XCTAssertEqual(TokenEstimator.estimate(.messages(["abcd", "abcd"])), 2 + 2 * TokenEstimator.perMessageOverhead)
        XCTAssertEqual(TokenEstimator.estimate(.prompt("abcd")), 1)
    }
}
