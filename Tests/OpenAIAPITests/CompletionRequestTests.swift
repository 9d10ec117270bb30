import Foundation
import OpenAIAPI
import XCTest

/// Strict parsing of `POST /v1/completions` bodies.
final class CompletionRequestTests: XCTestCase {
    func testMinimalRequest() throws {
        let request = try completion(completionBody())
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.prompt, "Once")
        XCTAssertNil(request.logprobs)
        XCTAssertFalse(request.stream)
        XCTAssertEqual(request.parameters, GenerationParameters())
    }

    func testSupportedParameters() throws {
        let request = try completion(completionBody(#"""
        "max_tokens":5,"temperature":0,"top_p":0.5,"seed":3,"stop":"\n","presence_penalty":0.5,"frequency_penalty":-0.5,
        "logprobs":5,"n":1,"stream":true,"stream_options":{"include_usage":false},"user":"x","metadata":{"a":"b"}
        """#))
        XCTAssertEqual(request.parameters, GenerationParameters(
            maxTokens: 5, temperature: 0, topP: 0.5, seed: 3, stop: ["\n"], presencePenalty: 0.5, frequencyPenalty: -0.5))
        XCTAssertEqual(request.logprobs, 5)
        XCTAssertEqual(request.streamOptions, StreamOptions(includeUsage: false))
        XCTAssertEqual(request.user, "x")
        XCTAssertEqual(request.metadata, ["a": "b"])
        XCTAssertEqual(try completion(completionBody(#""logprobs":0"#)).logprobs, 0)
        XCTAssertNil(try completion(completionBody(#""logprobs":null"#)).logprobs)
    }

    func testEachUnsupportedParameterIsRejectedByName() {
        for name in ["suffix", "echo", "best_of", "logit_bias", "top_logprobs", "messages", "tools", "functions",
                     "parallel_tool_calls"] {
            assertRejected(try completion(completionBody("\"\(name)\":1")), param: name, code: "unsupported_parameter")
        }
    }

    func testPromptForms() throws {
        XCTAssertEqual(try completion(#"{"model":"m","prompt":["only"]}"#).prompt, "only")
        XCTAssertEqual(try completion(#"{"model":"m","prompt":""}"#).prompt, "")
        for prompt in ["[1,2,3]", "[[1,2]]", #"["a","b"]"#, "[]", #"["a",1]"#] {
            assertRejected(try completion("{\"model\":\"m\",\"prompt\":\(prompt)}"), param: "prompt", code: "invalid_value")
        }
        assertRejected(try completion(#"{"model":"m","prompt":5}"#), param: "prompt", code: "invalid_type")
        assertRejected(try completion(#"{"model":"m","prompt":{"text":"a"}}"#), param: "prompt", code: "invalid_type")
        assertRejected(try completion(#"{"model":"m","prompt":[true]}"#), param: "prompt[0]", code: "invalid_type")
        assertRejected(try completion(#"{"model":"m"}"#), param: "prompt", code: "missing_required_parameter")
        assertRejected(try completion(#"{"model":"m","prompt":null}"#), param: "prompt", code: "missing_required_parameter")
    }

    func testLogprobsIsATopCount() {
        assertRejected(try completion(completionBody(#""logprobs":true"#)), param: "logprobs", code: "invalid_type")
        assertRejected(try completion(completionBody(#""logprobs":6"#)), param: "logprobs", code: "invalid_value")
        assertRejected(try completion(completionBody(#""logprobs":-1"#)), param: "logprobs", code: "invalid_value")
    }

    func testSharedRulesApply() {
        assertRejected(try completion(completionBody(#""n":3"#)), param: "n", code: "invalid_value")
        assertRejected(try completion(completionBody(#""stream":1"#)), param: "stream", code: "invalid_type")
        assertRejected(try completion(completionBody(#""max_tokens":true"#)), param: "max_tokens", code: "invalid_type")
        assertRejected(try completion(completionBody(#""stream_options":{"include_usage":true}"#)), param: "stream_options", code: "invalid_value")
        assertRejected(try completion(completionBody() + "}"), param: nil, code: "invalid_json")
    }
}
