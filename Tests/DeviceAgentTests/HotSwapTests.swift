import AsyncHTTPClient
import DeviceAgent
import FleetCore
import Foundation
import HummingbirdTesting
import Inference
import NIOCore
import Server
import TestSupport
import XCTest

/// The agent's model switch in a running server: a stream in flight finishes on the old model while new
/// requests go to the new one, and the old scheduler stops once it is done.
final class HotSwapTests: XCTestCase {
    func testAStreamInFlightFinishesOnTheOldModelWhileNewRequestsUseTheNewOne() async throws {
        let model = TestPaths.modelsDir.appendingPathComponent(TestPaths.Reference.smollm2.modelFile)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models")
        Kernels.initialize(forceGeneric: false)
        var config = ServerConfiguration()
        config.port = 0
        config.threads = 1
        config.scheduler = SchedulerConfig(parallel: 2, contextSize: 256, maxQueue: 8)
        let server = try OutpostServer(configuration: config)
        let activator = ServerModelActivator(host: server.host, servedName: "m", configuration: config)
        try await activator.activate(modelPath: model, slot: nil)
        let old = try XCTUnwrap(server.host.model(named: "m"))
        try await server.buildApplication().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            var stream = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/completions")
            stream.method = .POST
            stream.headers.add(name: "Content-Type", value: "application/json")
            stream.body = .bytes(ByteBuffer(string: #"{"model":"m","prompt":"Once upon a time","max_tokens":48,"temperature":0,"stream":true}"#))
            let response = try await HTTPClient.shared.execute(stream, timeout: .seconds(120))
            XCTAssertEqual(response.status.code, 200)
            var text = ""
            var swapped = false
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if !swapped, text.contains("\"text\"") {
                    // The stream has produced tokens: switch models under it.
                    swapped = true
                    try await activator.activate(modelPath: model, slot: nil)
                    let plain = #"{"model":"m","prompt":"The capital of France is","max_tokens":2,"temperature":0}"#
                    var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/completions")
                    r.method = .POST
                    r.headers.add(name: "Content-Type", value: "application/json")
                    r.body = .bytes(ByteBuffer(string: plain))
                    let after = try await HTTPClient.shared.execute(r, timeout: .seconds(60))
                    XCTAssertEqual(after.status.code, 200, "a new request during the swap was refused")
                    _ = try await after.body.collect(upTo: 1 << 20)
                }
            }
            XCTAssertTrue(swapped)
            XCTAssertTrue(text.contains("\"finish_reason\":\"length\""), String(text.suffix(400)))
            XCTAssertTrue(text.contains("data: [DONE]"))
        }
        let new = try XCTUnwrap(server.host.model(named: "m"))
        XCTAssertFalse(new.scheduler === old.scheduler, "the model was not replaced")
        for _ in 0..<100 where !old.scheduler.isFinished { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertTrue(old.scheduler.isFinished, "the old scheduler kept running after its last stream")
        XCTAssertEqual(old.scheduler.snapshot().active, 0)
    }
}
