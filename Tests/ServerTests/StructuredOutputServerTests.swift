import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import XCTest

/// `response_format` on the server: JSON mode and JSON Schema outputs parse and follow the schema;
/// unsupported schema features are a 400 naming them.
private let chatPath = "/v1/chat/completions"

final class StructuredOutputServerTests: XCTestCase {
    func testJSONModeAndSchemaOutputsParse() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            let mode = try await client.post(chatPath, #"""
                {"model":"smollm2","messages":[{"role":"user","content":"Describe a cat as JSON."}],"max_tokens":96,
                 "temperature":0,"response_format":{"type":"json_object"}}
                """#)
            XCTAssertEqual(mode.status, .ok, mode.text)
            let modeChoice = (mode.json()["choices"] as? [[String: Any]])?.first
            let modeText = (modeChoice?["message"] as? [String: Any])?["content"] as? String ?? ""
            if modeChoice?["finish_reason"] as? String == "stop" {
                XCTAssertNotNil((try? JSONSerialization.jsonObject(with: Data(modeText.utf8))) as? [String: Any], modeText)
            } else {
                XCTAssertTrue(modeText.hasPrefix("{"), modeText)
            }

            let schema = #"{"type":"object","properties":{"animal":{"enum":["cat","dog"]},"legs":{"type":"integer","minimum":0,"maximum":8}},"required":["animal","legs"],"additionalProperties":false}"#
            // Streaming, with two sequences decoding side by side: each carries its own grammar state.
            let bodies = [
                #"{"model":"smollm2","messages":[{"role":"user","content":"A cat: give animal and legs."}],"max_tokens":48,"temperature":0,"stream":true,"response_format":{"type":"json_schema","json_schema":{"name":"animal","strict":true,"schema":\#(schema)}}}"#,
                #"{"model":"smollm2","messages":[{"role":"user","content":"Tell me a story."}],"max_tokens":24,"temperature":0}"#,
            ]
            let results = try await withThrowingTaskGroup(of: (Int, UInt, String).self) { group in
                for (i, body) in bodies.enumerated() {
                    group.addTask {
                        let r = try await client.post(chatPath, body)
                        return (i, UInt(r.status.code), String(buffer: r.body))
                    }
                }
                var out: [(Int, UInt, String)] = []
                for try await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }
            }
            XCTAssertEqual(results.map(\.1), [200, 200], results.map(\.2).joined(separator: "\n"))
            let events = results[0].2.components(separatedBy: "\n\n").compactMap { block in
                block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
            }
            var text = ""
            var finish: String?
            for event in events where event != "[DONE]" {
                let choice = (object(event)["choices"] as? [[String: Any]])?.first
                text += (choice?["delta"] as? [String: Any])?["content"] as? String ?? ""
                if let f = choice?["finish_reason"] as? String { finish = f }
            }
            XCTAssertEqual(finish, "stop", text)
            let parsed = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            XCTAssertNotNil(parsed, text)
            XCTAssertTrue(["cat", "dog"].contains(parsed?["animal"] as? String ?? ""), text)
            let legs = parsed?["legs"] as? Int ?? -1
            XCTAssertTrue((0...8).contains(legs), text)
            XCTAssertEqual(Set(parsed?.keys.map { $0 } ?? []), ["animal", "legs"])
        }
    }

    func testUnsupportedSchemaFeaturesAre400() async throws {
        let server = try TestServer.make()
        defer { TestServer.stop(server) }
        try await server.buildApplication().test(.router) { client in
            let cases: [(String, String)] = [
                (#"{"type":"object","properties":{"a":{"type":"string","not":{"const":"x"}}}}"#, "'not'"),
                (#"{"type":"array","uniqueItems":true}"#, "'uniqueItems'"),
                (#"{"type":"string","format":"hostname"}"#, "'format'"),
                (#"{"type":"string","pattern":"(?=x)y"}"#, "'pattern'"),
            ]
            for (schema, feature) in cases {
                let r = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":\#(schema)}}}"#)
                XCTAssertEqual(r.status, .badRequest, r.text)
                XCTAssertEqual(r.error["type"] as? String, "invalid_request_error")
                XCTAssertEqual(r.error["param"] as? String, "response_format")
                XCTAssertEqual(r.error["code"] as? String, "unsupported_parameter")
                XCTAssertTrue((r.error["message"] as? String ?? "").contains(feature), r.text)
            }
            let invalid = try await client.post(chatPath, #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"wrong"}}}}"#)
            XCTAssertEqual(invalid.status, .badRequest, invalid.text)
            XCTAssertEqual(invalid.error["code"] as? String, "invalid_value")
        }
    }
}
