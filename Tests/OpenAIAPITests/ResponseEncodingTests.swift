import Foundation
import OpenAIAPI
import XCTest

/// The JSON shapes of responses, stream chunks and model lists, read back with JSONSerialization.
final class ResponseEncodingTests: XCTestCase {
    private let usage = Usage(promptTokens: 10, completionTokens: 5, cachedTokens: 4)

    func testChatCompletionShape() throws {
        let response = ChatCompletion(id: "chatcmpl-1", created: 1_700_000_000, model: "m",
                                      choices: [.init(message: .init(content: "Hi \"there\"\n"), finishReason: .stop)], usage: usage)
        let object = try encodedObject(response)
        XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(object["object"] as? String, "chat.completion")
        XCTAssertEqual(object["created"] as? Int, 1_700_000_000)
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(choice.keys), ["index", "message", "logprobs", "finish_reason"])
        XCTAssertTrue(choice["logprobs"] is NSNull)
        XCTAssertEqual(choice["finish_reason"] as? String, "stop")
        XCTAssertEqual(choice["index"] as? Int, 0)
        let message = try XCTUnwrap(choice["message"] as? [String: Any])
        XCTAssertEqual(Set(message.keys), ["role", "content"])
        XCTAssertEqual(message["role"] as? String, "assistant")
        XCTAssertEqual(message["content"] as? String, "Hi \"there\"\n")
        let usageObject = try XCTUnwrap(object["usage"] as? [String: Any])
        XCTAssertEqual(Set(usageObject.keys), ["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"])
        XCTAssertEqual(usageObject["total_tokens"] as? Int, 15)
        XCTAssertEqual((usageObject["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int, 4)

        var fingerprinted = response
        fingerprinted.systemFingerprint = "fp_1"
        XCTAssertEqual(try encodedObject(fingerprinted)["system_fingerprint"] as? String, "fp_1")
    }

    func testChatLogprobsShape() throws {
        let logprobs = ChatLogprobs(content: [
            TokenLogprob(token: "é", logprob: -0.25, bytes: [0xC3, 0xA9],
                         topLogprobs: [TopLogprob(token: "é", logprob: -0.25, bytes: [0xC3, 0xA9]),
                                       TopLogprob(token: "x", logprob: -.infinity, bytes: nil)]),
        ])
        let response = ChatCompletion(id: "c", created: 0, model: "m",
                                      choices: [.init(message: .init(content: "é"), logprobs: logprobs, finishReason: .length)], usage: usage)
        let choice = try XCTUnwrap((try encodedObject(response)["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        let content = try XCTUnwrap((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
        XCTAssertEqual(Set(content[0].keys), ["token", "logprob", "bytes", "top_logprobs"])
        XCTAssertEqual(content[0]["bytes"] as? [Int], [195, 169])
        let top = try XCTUnwrap(content[0]["top_logprobs"] as? [[String: Any]])
        XCTAssertEqual(Set(top[1].keys), ["token", "logprob", "bytes"])
        XCTAssertEqual(top[1]["logprob"] as? Double, -9999.0, "-inf is reported as OpenAI's -9999")
        XCTAssertTrue(top[1]["bytes"] is NSNull)
    }

    func testMidStreamChunkHasNullFinishReason() throws {
        let chunk = ChatCompletionChunk(id: "chatcmpl-1", created: 1, model: "m",
                                        choices: [.init(delta: .init(content: "tok"))])
        let object = try encodedObject(chunk)
        XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices"], "usage absent without include_usage")
        XCTAssertEqual(object["object"] as? String, "chat.completion.chunk")
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(choice.keys), ["index", "delta", "logprobs", "finish_reason"])
        XCTAssertTrue(choice["finish_reason"] is NSNull)
        XCTAssertTrue(choice["logprobs"] is NSNull)
        XCTAssertEqual(choice["delta"] as? [String: String], ["content": "tok"])
    }

    func testStreamStartEndAndUsageChunks() throws {
        let first = ChatCompletionChunk(id: "c", created: 1, model: "m", choices: [.init(delta: .start)],
                                        usage: .forContentChunk(includeUsage: true))
        let firstObject = try encodedObject(first)
        XCTAssertTrue(firstObject["usage"] is NSNull, "usage is null on content chunks when include_usage")
        let firstChoice = try XCTUnwrap((firstObject["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(firstChoice["delta"] as? [String: String], ["role": "assistant", "content": ""])

        let last = ChatCompletionChunk(id: "c", created: 1, model: "m", choices: [.init(delta: .init(), finishReason: .stop)])
        let lastChoice = try XCTUnwrap((try encodedObject(last)["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(lastChoice["finish_reason"] as? String, "stop")
        XCTAssertEqual((lastChoice["delta"] as? [String: Any])?.count, 0)

        let usageChunk = try encodedObject(ChatCompletionChunk.usageChunk(id: "c", created: 1, model: "m", usage: usage))
        XCTAssertEqual((usageChunk["choices"] as? [Any])?.count, 0)
        XCTAssertEqual((usageChunk["usage"] as? [String: Any])?["completion_tokens"] as? Int, 5)
        XCTAssertEqual(ChunkUsage.forContentChunk(includeUsage: false), .omitted)
    }

    func testCompletionShape() throws {
        let logprobs = CompletionLogprobs(tokens: [" a", "b"], tokenLogprobs: [-0.5, -.infinity],
                                          topLogprobs: [[" a": -0.5], ["b": -1]], textOffset: [0, 2])
        let response = Completion(id: "cmpl-1", created: 2, model: "m",
                                  choices: [.init(text: " ab", logprobs: logprobs, finishReason: .length)], usage: usage)
        let object = try encodedObject(response)
        XCTAssertEqual(Set(object.keys), ["id", "object", "created", "model", "choices", "usage"])
        XCTAssertEqual(object["object"] as? String, "text_completion")
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(choice.keys), ["text", "index", "logprobs", "finish_reason"])
        let encodedLogprobs = try XCTUnwrap(choice["logprobs"] as? [String: Any])
        XCTAssertEqual(Set(encodedLogprobs.keys), ["tokens", "token_logprobs", "top_logprobs", "text_offset"])
        XCTAssertEqual(encodedLogprobs["token_logprobs"] as? [Double], [-0.5, -9999])
        XCTAssertEqual(encodedLogprobs["top_logprobs"] as? [[String: Double]], [[" a": -0.5], ["b": -1]])
        XCTAssertEqual(encodedLogprobs["text_offset"] as? [Int], [0, 2])

        let plain = Completion(id: "cmpl-1", created: 2, model: "m", choices: [.init(text: "x", finishReason: .stop)], usage: usage)
        let plainChoice = try XCTUnwrap((try encodedObject(plain)["choices"] as? [[String: Any]])?.first)
        XCTAssertTrue(plainChoice["logprobs"] is NSNull)
    }

    func testCompletionChunks() throws {
        let chunk = try encodedObject(CompletionChunk(id: "cmpl-1", created: 2, model: "m", choices: [.init(text: "x")],
                                                      usage: .pending))
        XCTAssertEqual(chunk["object"] as? String, "text_completion")
        XCTAssertTrue(chunk["usage"] is NSNull)
        let choice = try XCTUnwrap((chunk["choices"] as? [[String: Any]])?.first)
        XCTAssertTrue(choice["finish_reason"] is NSNull)
        XCTAssertEqual(choice["text"] as? String, "x")
        let final = try encodedObject(CompletionChunk.usageChunk(id: "cmpl-1", created: 2, model: "m", usage: usage))
        XCTAssertEqual((final["choices"] as? [Any])?.count, 0)
        XCTAssertEqual((final["usage"] as? [String: Any])?["prompt_tokens"] as? Int, 10)
    }

    func testModelList() throws {
        let object = try encodedObject(ModelList(data: [ModelInfo(id: "llama-3.2-1b", created: 5, ownedBy: "outpost")]))
        XCTAssertEqual(object["object"] as? String, "list")
        let model = try XCTUnwrap((object["data"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(model.keys), ["id", "object", "created", "owned_by"])
        XCTAssertEqual(model["object"] as? String, "model")
        XCTAssertEqual(model["owned_by"] as? String, "outpost")
    }

    func testAnyStringEncodesToValidJSON() throws {
        let nasty = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined() + "\"\\/ é中😀\u{7F}\u{2028}\u{FEFF}"
        let chunk = ChatCompletionChunk(id: "c", created: 1, model: nasty, choices: [.init(delta: .init(content: nasty))])
        let object = try encodedObject(chunk)
        XCTAssertEqual(object["model"] as? String, nasty)
        let data = try APIJSON.encode(chunk)
        XCTAssertFalse(data.contains(0x0A), "compact JSON never contains a raw newline, so SSE framing holds")
    }

    func testResponseIDs() {
        XCTAssertTrue(ResponseID.chatCompletion().hasPrefix("chatcmpl-"))
        XCTAssertEqual(ResponseID.chatCompletion().count, "chatcmpl-".count + 24)
        XCTAssertTrue(ResponseID.completion().hasPrefix("cmpl-"))
        XCTAssertNotEqual(ResponseID.completion(), ResponseID.completion())
        var a = SplitMix64(seed: 1), b = SplitMix64(seed: 1)
        XCTAssertEqual(ResponseID.make(prefix: "x-", using: &a), ResponseID.make(prefix: "x-", using: &b))
    }
}
