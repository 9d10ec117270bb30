import Foundation
import Hummingbird
import HummingbirdTesting
import Inference
import NIOCore
import Server
import TestSupport
import XCTest

/// The OpenAI-compatible server over a real model: endpoints, streaming shape, every error class, auth,
/// overload, cancellation and the prefix cache.
private let chatPath = "/v1/chat/completions"

final class ServerHTTPTests: XCTestCase {


    func testHealthModelsAndMetrics() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/v1/models", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                let data = r.json()["data"] as? [[String: Any]]
                XCTAssertEqual(data?.first?["id"] as? String, "smollm2")
                XCTAssertEqual(data?.first?["object"] as? String, "model")
            }
            _ = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"temperature":0}"#)
            try await client.execute(uri: "/metrics", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertTrue(r.headers[.contentType]?.hasPrefix("text/plain") ?? false)
                for name in ["outpost_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 1",
                             "outpost_time_to_first_token_seconds_bucket", "outpost_inter_token_latency_seconds_count",
                             "outpost_request_latency_seconds_sum", "outpost_queue_depth{model=\"smollm2\"} 0",
                             "outpost_active_sequences{model=\"smollm2\"} 0", "outpost_kv_cache_capacity_tokens{model=\"smollm2\"} 1024",
                             "outpost_prefix_cache_hit_tokens_total", "outpost_generated_tokens_total{model=\"smollm2\"} 3"] {
                    XCTAssertTrue(r.text.contains(name), "metrics lack \(name)")
                }
            }
        }
    }

    /// Two models side by side, each answering under its own name.
    func testTwoModelsServedByName() async throws {
        let gemma = TestPaths.Reference.gemma3.modelPath
        guard FileManager.default.fileExists(atPath: gemma) else { throw XCTSkip("Gemma 3 absent") }
        let server = try TestServer.make { $0.models.append(.init(name: "gemma", path: gemma)) }
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { r in
                let ids = (r.json()["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                XCTAssertEqual(ids, ["smollm2", "gemma"])
            }
            for name in ["smollm2", "gemma"] {
                let r = try await client.post("/v1/completions", #"{"model":"\#(name)","prompt":"The sky is","max_tokens":3,"temperature":0}"#)
                XCTAssertEqual(r.status, .ok, r.text)
                XCTAssertEqual(r.json()["model"] as? String, name)
            }
        }
    }

    func testHealthIsUnavailableWhileLoading() async throws {
        var c = ServerConfiguration()
        c.models = [.init(name: "smollm2", path: TestServer.modelPath)]
        let server = try OutpostServer(configuration: c)   // not loaded
        try await server.buildApplication().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .serviceUnavailable) }
            let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}]}"#)
            XCTAssertEqual(r.status, .serviceUnavailable)
            XCTAssertNotNil(r.error["message"] as? String)
        }
    }

    /// Temperature 0 through the server gives what the runtime's own generator (used by `outpost run`) gives.
    func testGreedyChatEqualsGenerator() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        let engine = server.host.model(named: "smollm2")!.engine
        let prompt = try engine.chatTokens([Inference.ChatMessage(role: "user", content: "Name three colours.")])
        let expected = try Generator(engine: engine).generate(GenerationRequest(prompt: prompt, maxTokens: 24), contextSize: 512)
        try await server.buildApplication().test(.router) { client in
            let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Name three colours."}],"max_tokens":24,"temperature":0}"#)
            XCTAssertEqual(r.status, .ok, r.text)
            let body = r.json()
            let choice = (body["choices"] as? [[String: Any]])?.first
            let message = choice?["message"] as? [String: Any]
            XCTAssertEqual(message?["content"] as? String, expected.text)
            XCTAssertEqual(message?["role"] as? String, "assistant")
            XCTAssertEqual(choice?["finish_reason"] as? String, expected.finishReason == .length ? "length" : "stop")
            let usage = body["usage"] as? [String: Any]
            XCTAssertEqual(usage?["prompt_tokens"] as? Int, prompt.count)
            XCTAssertEqual(usage?["completion_tokens"] as? Int, expected.tokens.count)
            XCTAssertEqual(usage?["total_tokens"] as? Int, prompt.count + expected.tokens.count)
            XCTAssertEqual(body["object"] as? String, "chat.completion")
        }
    }

    func testStreamingChatShapeLogprobsAndUsage() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            // The non-streaming answer to compare with comes from the same cache state the streamed request
            // meets (the prompt cached by an earlier request): a cold prompt is prefilled in one batched pass,
            // a cached one only computes its last token, and the two round differently.
            let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Count to five."}],"max_tokens":12,"temperature":0}"#
            _ = try await client.post(chatPath, body)
            let plain = try await client.post(chatPath, body)
            let expected = ((plain.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Count to five."}],"max_tokens":12,"temperature":0,"stream":true,"stream_options":{"include_usage":true},"logprobs":true,"top_logprobs":2}"#)
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(r.headers[.contentType], "text/event-stream")
            let events = r.events
            XCTAssertEqual(events.last, "[DONE]")
            let chunks = events.dropLast().map(object)
            XCTAssertEqual(((chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["role"] as? String, "assistant")
            var text = ""
            var finish: String?
            var logprobEntries = 0
            for c in chunks {
                XCTAssertEqual(c["object"] as? String, "chat.completion.chunk")
                guard let choice = (c["choices"] as? [[String: Any]])?.first else { continue }
                text += ((choice["delta"] as? [String: Any])?["content"] as? String) ?? ""
                if let f = choice["finish_reason"] as? String { finish = f }
                if let content = (choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]] {
                    logprobEntries += content.count
                    XCTAssertEqual((content.first?["top_logprobs"] as? [Any])?.count, 2)
                    XCTAssertLessThanOrEqual(content.first?["logprob"] as? Double ?? 1, 0)
                }
            }
            XCTAssertEqual(text, expected)
            XCTAssertEqual(finish, "length")
            XCTAssertEqual(logprobEntries, 12)
            let usage = chunks.last?["usage"] as? [String: Any]
            XCTAssertEqual(usage?["completion_tokens"] as? Int, 12)
            XCTAssertEqual((chunks.last?["choices"] as? [Any])?.count, 0)
        }
    }

    func testLegacyCompletionsAndStopStrings() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"model":"smollm2","prompt":"1, 2, 3, 4,","max_tokens":20,"temperature":0,"logprobs":1}"#)
            XCTAssertEqual(r.status, .ok, r.text)
            let choice = (r.json()["choices"] as? [[String: Any]])?.first
            let text = choice?["text"] as? String ?? ""
            XCTAssertEqual(r.json()["object"] as? String, "text_completion")
            XCTAssertEqual(((choice?["logprobs"] as? [String: Any])?["tokens"] as? [Any])?.count, 20)
            // Stop at the first comma after the first number: the text before it, finish_reason stop.
            let s = try await client.post("/v1/completions", #"{"model":"smollm2","prompt":"1, 2, 3, 4,","max_tokens":20,"temperature":0,"stop":[","]}"#)
            let sc = (s.json()["choices"] as? [[String: Any]])?.first
            XCTAssertEqual(sc?["finish_reason"] as? String, "stop")
            let cut = sc?["text"] as? String ?? "?"
            XCTAssertFalse(cut.contains(","))
            XCTAssertTrue(text.hasPrefix(cut + ","), "\(cut) is not the text before the first comma of \(text)")
            // Streaming gives the same text.
            let st = try await client.post("/v1/completions", #"{"model":"smollm2","prompt":"1, 2, 3, 4,","max_tokens":20,"temperature":0,"stream":true}"#)
            let streamed = st.events.dropLast().map(object).compactMap { ($0["choices"] as? [[String: Any]])?.first?["text"] as? String }.joined()
            XCTAssertEqual(streamed, text)
        }
    }

    func testErrorClassesUseTheOpenAIEnvelope() async throws {
        let server = try TestServer.make { $0.maxBodyBytes = 4096 }
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            func check(_ body: String, _ status: HTTPResponse.Status, code: String?, param: String? = nil, _ line: UInt = #line) async throws {
                let r = try await client.post(chatPath, body)
                XCTAssertEqual(r.status, status, r.text, line: line)
                XCTAssertNotNil(r.error["message"] as? String, line: line)
                XCTAssertNotNil(r.error["type"] as? String, line: line)
                if let code { XCTAssertEqual(r.error["code"] as? String, code, line: line) }
                if let param { XCTAssertEqual(r.error["param"] as? String, param, line: line) }
            }
            try await check(#"{"model": "smollm2", "messages": [ "#, .badRequest, code: "invalid_json")
            try await check(#"{"model":"nope","messages":[{"role":"user","content":"Hi"}]}"#, .notFound, code: "model_not_found")
            try await check(#"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"tools":[]}"#, .badRequest,
                            code: "unsupported_parameter", param: "tools")
            try await check(#"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"n":2}"#, .badRequest, code: nil, param: "n")
            try await check(#"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":600}"#, .badRequest,
                            code: "context_length_exceeded")
            let long = String(repeating: "word ", count: 700)   // > 512 tokens, < 4096 bytes
            try await check(#"{"model":"smollm2","messages":[{"role":"user","content":"\#(long)"}]}"#, .badRequest,
                            code: "context_length_exceeded")
            let huge = String(repeating: "x", count: 5000)
            try await check(#"{"model":"smollm2","messages":[{"role":"user","content":"\#(huge)"}]}"#, .contentTooLarge, code: nil)
        }
    }

    func testAuthGuardsEverythingButHealth() async throws {
        let server = try TestServer.make { $0.apiKeys = ["sk-test-1", "sk-test-2"] }
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { XCTAssertEqual($0.status, .ok) }
            for uri in ["/v1/models", "/metrics"] {
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .unauthorized)
                    XCTAssertEqual(r.error["code"] as? String, "invalid_api_key")
                }
            }
            let none = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}"#)
            XCTAssertEqual(none.status, .unauthorized)
            let wrong = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}"#,
                                              headers: [.authorization: "Bearer sk-test-3"])
            XCTAssertEqual(wrong.status, .unauthorized)
            let ok = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}"#,
                                           headers: [.authorization: "Bearer sk-test-2"])
            XCTAssertEqual(ok.status, .ok)
        }
    }

    /// One slot, no queue: a second request while the first streams gets 429 with Retry-After, fast.
    func testOverloadAnswers429Quickly() async throws {
        let server = try TestServer.make { $0.scheduler = SchedulerConfig(parallel: 1, contextSize: 512, maxQueue: 0) }
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let first = try RawHTTPClient(port: port)
            defer { first.close() }
            first.send(RawHTTPClient.post(path: chatPath, json: #"{"model":"smollm2","messages":[{"role":"user","content":"Tell a long story."}],"max_tokens":400,"stream":true}"#, port: port))
            XCTAssertTrue(first.read(until: "data: ").contains("200 OK"))
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":4}"#)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            XCTAssertEqual(r.status, .tooManyRequests)
            XCTAssertEqual(r.error["type"] as? String, "rate_limit_error")
            XCTAssertGreaterThanOrEqual(Int(r.headers[.retryAfter] ?? "") ?? 0, 1)
            XCTAssertLessThan(ms, 50, "429 took \(ms) ms")
        }
    }

    /// A client that disconnects mid-stream has its sequence cancelled and its slot freed within 100 ms.
    func testDisconnectCancelsAndFreesTheSlot() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        let scheduler = server.host.model(named: "smollm2")!.scheduler
        try await server.buildApplication().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let raw = try RawHTTPClient(port: port)
            raw.send(RawHTTPClient.post(path: chatPath, json: #"{"model":"smollm2","messages":[{"role":"user","content":"Tell a long story."}],"max_tokens":400,"stream":true}"#, port: port))
            let head = raw.read(until: "\"content\":\"")
            XCTAssertTrue(head.contains("200 OK"))
            for _ in 0..<5000 where scheduler.snapshot().generatedTokens < 3 { usleep(1000) }
            XCTAssertEqual(scheduler.snapshot().active, 1, "the sequence is not running")
            raw.close()
            let t0 = DispatchTime.now().uptimeNanoseconds
            var freedAfter: Double?
            while Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 < 5 {
                if scheduler.snapshot().active == 0 { freedAfter = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6; break }
                usleep(1000)
            }
            let ms = try XCTUnwrap(freedAfter, "the slot was never freed")
            XCTAssertLessThan(ms, 100, "slot freed after \(ms) ms")
            XCTAssertLessThan(scheduler.snapshot().generatedTokens, 400, "generation went on after the disconnect")
        }
    }

    /// A second request sharing a long system prompt reuses its keys and values.
    func testSharedSystemPromptIsReusedFromThePrefixCache() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        let system = String(repeating: "You are a careful assistant for a clinic. Answer briefly and never invent facts. ", count: 22)
        let engine = server.host.model(named: "smollm2")!.engine
        let systemTokens = try engine.chatTokens([Inference.ChatMessage(role: "system", content: system)]).count
        XCTAssertGreaterThan(systemTokens, 350)
        try await server.buildApplication().test(.router) { client in
            func ask(_ q: String) async throws -> [String: Any] {
                let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"system","content":"\#(system)"},{"role":"user","content":"\#(q)"}],"max_tokens":4,"temperature":0}"#)
                XCTAssertEqual(r.status, .ok, r.text)
                return (r.json()["usage"] as? [String: Any]) ?? [:]
            }
            let first = try await ask("What is a fever?")
            XCTAssertEqual((first["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int, 0)
            let second = try await ask("What is a cough?")
            let cached = (second["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int ?? 0
            XCTAssertGreaterThanOrEqual(cached, systemTokens - 8, "only \(cached) of the ~\(systemTokens) shared tokens were reused")
            XCTAssertLessThan(cached, second["prompt_tokens"] as? Int ?? 0)
        }
        XCTAssertGreaterThan(server.host.model(named: "smollm2")!.scheduler.snapshot().prefixHitTokens, 350)
    }
}
