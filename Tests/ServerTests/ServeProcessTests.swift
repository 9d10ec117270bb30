import Foundation
import XCTest

/// `outpost serve` as a real process: start-up refusal with the arithmetic, and graceful shutdown on
/// SIGTERM (the open stream finishes, the listener closes, the exit status is 0).
final class ServeProcessTests: XCTestCase {
    private var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("outpost").path
    }

    private func launch(_ arguments: [String]) throws -> (Process, URL) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("outpost executable not built next to the tests (scripts/test builds it)")
        }
        guard FileManager.default.fileExists(atPath: TestServer.modelPath) else { throw XCTSkip("SmolLM2 absent") }
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-serve-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return (p, err)
    }

    /// Waits for the "listening on http://127.0.0.1:PORT" line.
    private func port(from err: URL, _ p: Process) -> Int? {
        for _ in 0..<300 {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                return Int(text[r].split(separator: ":").last ?? "")
            }
            if !p.isRunning { return nil }
            usleep(20_000)
        }
        return nil
    }

    /// Polls `/health` until it answers 200 (the model is loaded) or about ten seconds pass.
    private func waitUntilHealthy(port: Int) throws -> Bool {
        for _ in 0..<500 {
            let c = try RawHTTPClient(port: port)
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let ok = c.read(until: "\r\n\r\n", timeout: 2).contains("200 OK")
            c.close()
            if ok { return true }
            usleep(20_000)
        }
        return false
    }

    func testSigtermLetsTheOpenStreamFinishAndExitsZero() throws {
        let (p, err) = try launch(["serve", "--model", "m=\(TestServer.modelPath)", "--port", "0", "--ctx", "512",
                                   "--parallel", "2", "--threads", "2"])
        defer { if p.isRunning { p.terminate() }; try? FileManager.default.removeItem(at: err) }
        let port = try XCTUnwrap(port(from: err, p), "the server did not start")
        XCTAssertTrue(try waitUntilHealthy(port: port), "the model never loaded")
        let stream = try RawHTTPClient(port: port)
        defer { stream.close() }
        stream.send(RawHTTPClient.post(path: "/v1/chat/completions",
                                       json: #"{"model":"m","messages":[{"role":"user","content":"Tell a story."}],"max_tokens":60,"temperature":0,"stream":true}"#,
                                       port: port))
        XCTAssertTrue(stream.read(until: "\"content\":\"").contains("200 OK"))
        kill(p.processIdentifier, SIGTERM)
        let rest = stream.read(until: "data: [DONE]", timeout: 30)
        XCTAssertTrue(rest.contains("\"finish_reason\":\"length\"") || rest.contains("\"finish_reason\" : \"length\"")
                      || rest.contains("finish_reason\":\"stop"), "the stream did not finish: \(rest.suffix(300))")
        XCTAssertTrue(rest.contains("data: [DONE]"))
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertThrowsError(try RawHTTPClient(port: port), "the port still accepts connections")
    }

    /// With no grace, SIGTERM cancels the open stream: the error arrives in-band as an SSE error event,
    /// the stream closes without [DONE], and the server still exits 0.
    func testShutdownWithoutGraceEndsTheStreamWithAnInBandError() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-grace-\(UUID().uuidString).yaml")
        try "shutdown_grace_seconds: 0\n".write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let (p, err) = try launch(["serve", "--model", "m=\(TestServer.modelPath)", "--port", "0", "--ctx", "1024",
                                   "--parallel", "1", "--threads", "2", "--config", config.path])
        defer { if p.isRunning { p.terminate() }; try? FileManager.default.removeItem(at: err) }
        let port = try XCTUnwrap(port(from: err, p), "the server did not start")
        XCTAssertTrue(try waitUntilHealthy(port: port), "the model never loaded")
        let stream = try RawHTTPClient(port: port)
        defer { stream.close() }
        stream.send(RawHTTPClient.post(path: "/v1/chat/completions",
                                       json: #"{"model":"m","messages":[{"role":"user","content":"Tell a long story."}],"max_tokens":900,"temperature":0,"stream":true}"#,
                                       port: port))
        XCTAssertTrue(stream.read(until: "\"content\":\"").contains("200 OK"))
        kill(p.processIdentifier, SIGTERM)
        let rest = stream.read(until: "\"error\"", timeout: 30)
        XCTAssertTrue(rest.contains("data: {\"error\""), "no in-band error event: \(rest.suffix(300))")
        XCTAssertFalse(rest.contains("[DONE]"))
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    func testModelsOverTheMemoryBudgetAreRefusedWithTheArithmetic() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-budget-\(UUID().uuidString).yaml")
        try "memory_budget_mb: 64\n".write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let (p, err) = try launch(["serve", "--model", TestServer.modelPath, "--port", "0", "--config", config.path])
        defer { try? FileManager.default.removeItem(at: err) }
        p.waitUntilExit()
        let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertTrue(text.contains("do not fit the memory budget of 64.0 MiB"), text)
        XCTAssertTrue(text.contains("weights") && text.contains("KV cache") && text.contains("total"), text)
        XCTAssertFalse(text.contains("listening"), "the server opened its port before refusing")
    }
}
