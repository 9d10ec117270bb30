import Foundation
import OpenAIAPI
import XCTest

/// Strict parsing of `POST /v1/chat/completions` bodies.
final class ChatRequestTests: XCTestCase {
    func testMinimalRequestHasDefaults() throws {
        let request = try chat(chatBody())
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.messages, [ChatMessage(role: .user, content: .text("hi"))])
        XCTAssertEqual(request.parameters, GenerationParameters())
        XCTAssertFalse(request.stream)
        XCTAssertNil(request.streamOptions)
        XCTAssertFalse(request.logprobs)
        XCTAssertNil(request.topLogprobs)
        XCTAssertNil(request.user)
        XCTAssertNil(request.responseFormat)
        XCTAssertNil(request.metadata)
    }

    func testEverySupportedParameter() throws {
        let request = try chat("""
        {"model":"llama","messages":[
           {"role":"system","content":"be brief"},
           {"role":"developer","content":"rules"},
           {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"name":"ann"},
           {"role":"assistant","content":"ok"}],
         "max_tokens":64,"max_completion_tokens":64,"temperature":0.7,"top_p":0.9,"seed":-9223372036854775808,
         "stop":["\\n\\n","END"],"presence_penalty":-2,"frequency_penalty":2,"logprobs":true,"top_logprobs":20,
         "n":1,"stream":true,"stream_options":{"include_usage":true},"user":"u-1",
         "response_format":{"type":"json_object"},"metadata":{"team":"edge"}}
        """)
        XCTAssertEqual(request.messages.map(\.role), [.system, .developer, .user, .assistant])
        XCTAssertEqual(request.messages[2].content, .parts(["a", "b"]))
        XCTAssertEqual(request.messages[2].content.text, "a\nb")
        XCTAssertEqual(request.messages[2].name, "ann")
        XCTAssertEqual(request.parameters, GenerationParameters(
            maxTokens: 64, temperature: 0.7, topP: 0.9, seed: Int64.min, stop: ["\n\n", "END"],
            presencePenalty: -2, frequencyPenalty: 2))
        XCTAssertTrue(request.logprobs)
        XCTAssertEqual(request.topLogprobs, 20)
        XCTAssertTrue(request.stream)
        XCTAssertEqual(request.streamOptions, StreamOptions(includeUsage: true))
        XCTAssertEqual(request.user, "u-1")
        XCTAssertEqual(request.responseFormat, .jsonObject)
        XCTAssertEqual(request.metadata, ["team": "edge"])
    }

    func testEachUnsupportedParameterIsRejectedByName() {
        for name in ["tools", "tool_choice", "functions", "function_call", "logit_bias", "suffix", "echo", "best_of",
                     "parallel_tool_calls", "modalities", "audio", "prediction", "service_tier", "store",
                     "reasoning_effort", "web_search_options", "prompt", "Model", "stream_option"] {
            let error = assertRejected(try chat(chatBody("\"\(name)\":null")), param: name, code: "unsupported_parameter")
            XCTAssertEqual(error?.message.contains("'\(name)'"), true)
        }
    }

    func testUnsupportedParameterNamedEvenBeforeOtherErrors() {
        assertRejected(try chat(#"{"tools":[],"model":5}"#), param: "tools", code: "unsupported_parameter")
    }

    func testRequiredParameters() {
        assertRejected(try chat(#"{"messages":[{"role":"user","content":"x"}]}"#), param: "model", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":null,"messages":[{"role":"user","content":"x"}]}"#), param: "model", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m"}"#), param: "messages", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":null}"#), param: "messages", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"","messages":[{"role":"user","content":"x"}]}"#), param: "model", code: "invalid_value")
    }

    func testNullMeansAbsentForOptionalParameters() throws {
        let nulls = ["max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "stop", "presence_penalty",
                     "frequency_penalty", "logprobs", "top_logprobs", "n", "stream", "stream_options", "user",
                     "response_format", "metadata"].map { "\"\($0)\":null" }.joined(separator: ",")
        XCTAssertEqual(try chat(chatBody(nulls)), try chat(chatBody()))
        let message = try chat(#"{"model":"m","messages":[{"role":"user","content":"x","name":null}]}"#)
        XCTAssertNil(message.messages[0].name)
    }

    func testTypeErrorsNameTheParameter() {
        let cases: [(String, String)] = [
            (#""max_tokens":true"#, "max_tokens"), (#""max_tokens":"5""#, "max_tokens"), (#""max_tokens":1.5"#, "max_tokens"),
            (#""max_completion_tokens":false"#, "max_completion_tokens"),
            (#""temperature":"0.5""#, "temperature"), (#""temperature":true"#, "temperature"),
            (#""top_p":[1]"#, "top_p"), (#""seed":"1""#, "seed"), (#""seed":1.5"#, "seed"), (#""stop":5"#, "stop"),
            (#""stop":[1]"#, "stop[0]"), (#""stop":["a",null]"#, "stop[1]"), (#""stream":1"#, "stream"),
            (#""stream":"true""#, "stream"), (#""logprobs":1"#, "logprobs"), (#""top_logprobs":true"#, "top_logprobs"),
            (#""user":5"#, "user"), (#""metadata":[]"#, "metadata"), (#""metadata":{"a":1}"#, "metadata.a"),
            (#""response_format":"json_object""#, "response_format"), (#""response_format":{"type":1}"#, "response_format.type"),
            (#""stream":true,"stream_options":true"#, "stream_options"),
            (#""stream":true,"stream_options":{"include_usage":1}"#, "stream_options.include_usage"),
            (#""presence_penalty":"0""#, "presence_penalty"), (#""frequency_penalty":{}"#, "frequency_penalty"),
        ]
        for (member, param) in cases {
            assertRejected(try chat(chatBody(member)), param: param, code: "invalid_type")
        }
        assertRejected(try chat(#"{"model":5,"messages":[]}"#), param: "model", code: "invalid_type")
    }

    func testRangeErrorsNameTheParameter() {
        let cases: [(String, String)] = [
            (#""max_tokens":0"#, "max_tokens"), (#""max_tokens":-1"#, "max_tokens"), (#""max_completion_tokens":0"#, "max_completion_tokens"),
            (#""max_tokens":99999999999"#, "max_tokens"), (#""temperature":2.0001"#, "temperature"), (#""temperature":-0.1"#, "temperature"),
            (#""temperature":1e999"#, "temperature"), (#""top_p":0"#, "top_p"), (#""top_p":1.01"#, "top_p"), (#""top_p":-1"#, "top_p"),
            (#""presence_penalty":-2.5"#, "presence_penalty"), (#""frequency_penalty":3"#, "frequency_penalty"),
            (#""seed":9223372036854775808"#, "seed"), (#""logprobs":true,"top_logprobs":21"#, "top_logprobs"),
            (#""logprobs":true,"top_logprobs":-1"#, "top_logprobs"),
            (#""stop":["a","b","c","d","e"]"#, "stop"), (#""stop":"""#, "stop"), (#""stop":["a",""]"#, "stop"),
        ]
        for (member, param) in cases {
            assertRejected(try chat(chatBody(member)), param: param, code: "invalid_value")
        }
    }

    func testBoundaryValuesAreAccepted() throws {
        let request = try chat(chatBody(#""temperature":0,"top_p":1,"presence_penalty":2,"max_tokens":1,"seed":9223372036854775807"#))
        XCTAssertEqual(request.parameters.temperature, 0)
        XCTAssertEqual(request.parameters.topP, 1)
        XCTAssertEqual(request.parameters.maxTokens, 1)
        XCTAssertEqual(request.parameters.seed, Int64.max)
        XCTAssertEqual(try chat(chatBody(#""temperature":2"#)).parameters.temperature, 2)
        XCTAssertEqual(try chat(chatBody(#""max_tokens":16.0"#)).parameters.maxTokens, 16)
    }

    func testMaxTokensAndMaxCompletionTokens() throws {
        XCTAssertEqual(try chat(chatBody(#""max_tokens":10"#)).parameters.maxTokens, 10)
        XCTAssertEqual(try chat(chatBody(#""max_completion_tokens":12"#)).parameters.maxTokens, 12)
        XCTAssertEqual(try chat(chatBody(#""max_tokens":7,"max_completion_tokens":7"#)).parameters.maxTokens, 7)
        assertRejected(try chat(chatBody(#""max_tokens":7,"max_completion_tokens":8"#)), param: "max_tokens", code: "invalid_value")
    }

    func testStopForms() throws {
        XCTAssertEqual(try chat(chatBody(#""stop":"END""#)).parameters.stop, ["END"])
        XCTAssertEqual(try chat(chatBody(#""stop":["a","b","c","d"]"#)).parameters.stop, ["a", "b", "c", "d"])
        XCTAssertEqual(try chat(chatBody(#""stop":[]"#)).parameters.stop, [])
    }

    func testOnlyOneChoice() throws {
        XCTAssertNoThrow(try chat(chatBody(#""n":1"#)))
        for value in ["2", "0", "-1", "1.5", "\"1\"", "true", "[1]"] {
            assertRejected(try chat(chatBody("\"n\":\(value)")), param: "n", code: "invalid_value")
        }
    }

    func testStreamOptionsRequireStreaming() throws {
        assertRejected(try chat(chatBody(#""stream_options":{"include_usage":true}"#)), param: "stream_options", code: "invalid_value")
        assertRejected(try chat(chatBody(#""stream":false,"stream_options":{"include_usage":true}"#)), param: "stream_options", code: "invalid_value")
        XCTAssertEqual(try chat(chatBody(#""stream":true,"stream_options":{}"#)).streamOptions, StreamOptions(includeUsage: false))
        assertRejected(try chat(chatBody(#""stream":true,"stream_options":{"include_obfuscation":false}"#)),
                       param: "stream_options.include_obfuscation", code: "unsupported_parameter")
    }

    func testTopLogprobsRequiresLogprobs() {
        assertRejected(try chat(chatBody(#""top_logprobs":2"#)), param: "top_logprobs", code: "invalid_value")
        assertRejected(try chat(chatBody(#""logprobs":false,"top_logprobs":2"#)), param: "top_logprobs", code: "invalid_value")
    }

    func testMessagesShape() {
        assertRejected(try chat(#"{"model":"m","messages":[]}"#), param: "messages", code: "invalid_value")
        assertRejected(try chat(#"{"model":"m","messages":{"role":"user"}}"#), param: "messages", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":["hi"]}"#), param: "messages[0]", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":"a"},{"content":"b"}]}"#),
                       param: "messages[1].role", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user"}]}"#), param: "messages[0].content", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":null}]}"#),
                       param: "messages[0].content", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":5}]}"#), param: "messages[0].content", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#), param: "messages[0].role", code: "invalid_value")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":"x","name":1}]}"#), param: "messages[0].name", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"assistant","content":"x","tool_calls":[]}]}"#),
                       param: "messages[0].tool_calls", code: "unsupported_parameter")
        let tool = assertRejected(try chat(#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#),
                                  param: "messages[0].role", code: "invalid_value")
        XCTAssertEqual(tool?.message.contains("Tool calling is not supported"), true)
    }

    func testContentParts() {
        let imagePart = #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#
        assertRejected(try chat(imagePart), param: "messages[0].content[1].type", code: "invalid_value")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]}"#),
                       param: "messages[0].content[0].type", code: "invalid_value")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[]}]}"#), param: "messages[0].content", code: "invalid_value")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[{"text":"a"}]}]}"#),
                       param: "messages[0].content[0].type", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#),
                       param: "messages[0].content[0].text", code: "missing_required_parameter")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":1}]}]}"#),
                       param: "messages[0].content[0].text", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":["a"]}]}"#),
                       param: "messages[0].content[0]", code: "invalid_type")
        assertRejected(try chat(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{}}]}]}"#),
                       param: "messages[0].content[0].cache_control", code: "unsupported_parameter")
    }

    func testResponseFormats() throws {
        XCTAssertEqual(try chat(chatBody(#""response_format":{"type":"text"}"#)).responseFormat, .text)
        XCTAssertEqual(try chat(chatBody(#""response_format":{"type":"json_object"}"#)).responseFormat, .jsonObject)
        let schemaText = #"{"name":"person","strict":true,"schema":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}}}}"#
        let request = try chat(chatBody(#""response_format":{"type":"json_schema","json_schema":"# + schemaText + "}"))
        guard case .jsonSchema(let schema)? = request.responseFormat else { return XCTFail("not json_schema") }
        XCTAssertEqual(String(decoding: schema.serialized, as: UTF8.self), schemaText, "kept raw, in member order")
        assertRejected(try chat(chatBody(#""response_format":{"type":"json_schema"}"#)),
                       param: "response_format.json_schema", code: "missing_required_parameter")
        assertRejected(try chat(chatBody(#""response_format":{"type":"xml"}"#)), param: "response_format.type", code: "invalid_value")
        assertRejected(try chat(chatBody(#""response_format":{}"#)), param: "response_format.type", code: "missing_required_parameter")
        assertRejected(try chat(chatBody(#""response_format":{"type":"text","json_schema":{}}"#)),
                       param: "response_format.json_schema", code: "unsupported_parameter")
        assertRejected(try chat(chatBody(#""response_format":{"type":"json_schema","json_schema":"x"}"#)),
                       param: "response_format.json_schema", code: "invalid_type")
    }

    func testMetadataLimits() {
        let many = (0..<17).map { "\"k\($0)\":\"v\"" }.joined(separator: ",")
        assertRejected(try chat(chatBody("\"metadata\":{\(many)}")), param: "metadata", code: "invalid_value")
        let longValue = String(repeating: "v", count: 513)
        assertRejected(try chat(chatBody("\"metadata\":{\"k\":\"\(longValue)\"}")), param: "metadata.k", code: "invalid_value")
    }

    func testMalformedBodies() {
        let bodies = ["", "   ", "{", #"{"model":"m","#, #"{"model":"m","messages":[{"role":"user","content":"hi"}]"#,
                      chatBody() + "x", chatBody() + chatBody(), "{'model':'m'}", #"{"model":"m",}"#,
                      "\u{FEFF}" + chatBody(), #"{"model":NaN}"#, #"{"model":"m","model":"n","messages":[]}"#]
        for body in bodies {
            let error = assertRejected(try chat(body), param: nil, code: "invalid_json")
            XCTAssertEqual(error?.message.contains("not valid JSON"), true, "\(String(describing: error))")
        }
        var invalidUTF8 = Array(chatBody().utf8)
        invalidUTF8[invalidUTF8.count - 6] = 0xFF
        assertRejected(try ChatCompletionRequest(bodyBytes: invalidUTF8), param: nil, code: "invalid_json")
    }

    func testBodyMustBeAnObject() {
        for body in ["[]", "null", "\"text\"", "42", "true"] {
            assertRejected(try chat(body), param: nil, code: "invalid_json")
        }
    }

    func testDeeplyNestedBodyFailsCleanly() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        assertRejected(try chat(chatBody("\"metadata\":" + deep)), param: nil, code: "invalid_json")
        let open = "{\"model\":" + String(repeating: "{\"a\":", count: 10_000)
        assertRejected(try chat(open), param: nil, code: "invalid_json")
    }
}
