import AsyncHTTPClient
import DeviceAgent
import Foundation
import NIOCore
import XCTest

/// One `outpost agent` process with its data directory.
final class AgentProcess: @unchecked Sendable {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("outpost")
    }

    let dataDir: URL
    let log: URL
    let process = Process()
    private(set) var port: Int?
    private let lock = NSLock()
    private var _answered = 0
    /// Completions requests that got an HTTP answer (each is one request in the agent's telemetry).
    var answered: Int { lock.withLock { _answered } }

    /// Starts the agent; `crashAt` arms a kill -9 point.
    init(harness: FleetHarness, dataDir: URL, token: String?, deviceID: String, crashAt: String? = nil,
         controlPlaneURL: String? = nil, telemetrySeconds: Double = 0.5) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw XCTSkip("outpost executable not built next to the tests (scripts/test builds it)")
        }
        self.dataDir = dataDir
        log = dataDir.deletingLastPathComponent().appendingPathComponent("\(dataDir.lastPathComponent)-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        var args = ["agent", "--control-plane", controlPlaneURL ?? harness.baseURL, "--data-dir", dataDir.path,
                    "--trust-root", harness.trustRootFile.path, "--port", "0", "--served-name", "m",
                    "--device-id", deviceID, "--threads", "1", "--ctx", "256",
                    "--heartbeat-seconds", "0.3", "--telemetry-seconds", String(telemetrySeconds),
                    "--backoff-max-seconds", "1"]
        if let token { args += ["--enroll-token", token] }
        if let crashAt { args += ["--crash-at", crashAt] }
        process.executableURL = Self.executable
        process.arguments = args
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The local server's port, from the start-up line.
    func waitForPort(timeout: Double = 20) async throws -> Int {
        if let port { return port }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let r = output.range(of: #"serving on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let p = Int(output[r].split(separator: ":").last ?? "") {
                port = p
                return p
            }
            if !process.isRunning { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw HarnessError("the agent did not start: \(output.suffix(2000))")
    }

    /// The agent's durable state as it is on disk now.
    var state: AgentState? {
        guard let data = try? Data(contentsOf: dataDir.appendingPathComponent("state.json")) else { return nil }
        return try? JSONDecoder().decode(AgentState.self, from: data)
    }

    /// The version `active` points at (from its slot record).
    var activeVersion: String? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = try? Data(contentsOf: dataDir.appendingPathComponent("active/slot.json")),
              let info = try? decoder.decode(SlotInfo.self, from: data) else { return nil }
        return info.version
    }

    /// Answers a one-token completion; returns the HTTP status (nil when nothing answers).
    func complete() async -> Int? {
        guard let port else { return nil }
        var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/completions")
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        r.body = .bytes(ByteBuffer(string: #"{"model":"m","prompt":"The capital of France is","max_tokens":2,"temperature":0}"#))
        guard let response = try? await HTTPClient.shared.execute(r, timeout: .seconds(30)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 20)
        lock.withLock { _answered += 1 }
        return Int(response.status.code)
    }

    /// Waits until `active` is `version`, committed, and a completion succeeds.
    func waitServing(_ version: String, timeout: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if activeVersion == version, let s = state, s.pending == nil, s.committedSlot?.hasPrefix("m-\(version)-") == true,
               await complete() == 200 {
                return
            }
            if !process.isRunning { throw HarnessError("the agent exited: \(output.suffix(2000))") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw HarnessError("not serving \(version) after \(timeout) s (active \(activeVersion ?? "none")): \(output.suffix(2000))")
    }

    /// Waits for the process to end (a kill -9 point, or after `stop`).
    func waitExit(timeout: Double = 60) async throws -> Process.TerminationReason {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        if process.isRunning { throw HarnessError("the agent did not exit: \(output.suffix(1000))") }
        return process.terminationReason
    }

    func stop() async {
        if process.isRunning { process.terminate() }
        _ = try? await waitExit(timeout: 20)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
