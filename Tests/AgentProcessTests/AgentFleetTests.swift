import ControlPlane
import DeviceAgent
import FleetCore
import Foundation
import TestSupport
import XCTest

/// Telemetry across a control-plane outage, and a rollout across three agents with a failing gate.
final class AgentFleetTests: XCTestCase {
    func testTelemetryBufferedWhileTheControlPlaneIsDownArrivesExactlyOnce() async throws {
        let f = try await AgentUpdateTests.fixture()
        let h = f.harness
        let dataDir = f.work.appendingPathComponent("device")
        try AgentUpdateTests.restore(f.snapshotA, to: dataDir)
        // Start from an empty buffer so the figures below are this test's alone.
        try FileManager.default.removeItem(at: dataDir.appendingPathComponent("telemetry"))
        let before = try await h.store.telemetry(deviceID: f.deviceID).reduce(0) { $0 + $1.requests }
        await h.stop()

        let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID, telemetrySeconds: 0.3)
        _ = try await agent.waitForPort()
        // The control plane is unreachable for the whole run: the device still serves.
        var ok = 0
        for _ in 0..<400 where ok < 25 {
            if await agent.complete() == 200 { ok += 1 } else { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        XCTAssertEqual(ok, 25)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let buffered = try FileManager.default.contentsOfDirectory(atPath: dataDir.appendingPathComponent("telemetry").path)
        XCTAssertTrue(buffered.contains { $0.hasPrefix("seg-") }, "nothing was buffered: \(buffered)")

        try await h.start()
        let served = agent.answered
        try await waitFor("every buffered request to arrive", timeout: 90) {
            let total = try await h.store.telemetry(deviceID: f.deviceID).reduce(0) { $0 + $1.requests }
            return total - before >= Int64(served)
        }
        // Exactly once: nothing more arrives later (no batch counted twice).
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let rows = try await h.store.telemetry(deviceID: f.deviceID)
        XCTAssertEqual(rows.reduce(0) { $0 + $1.requests } - before, Int64(agent.answered))
        XCTAssertGreaterThanOrEqual(rows.reduce(0) { $0 + $1.completionTokens }, 2 * 25)
        await agent.stop()
        await h.stop()
    }

    func testARolloutWithAFailingGateRollsBackThenAHealthyOnePromotesAllThreeAgents() async throws {
        guard FileManager.default.fileExists(atPath: TestModels.a.path) else { throw XCTSkip("run scripts/fetch-models") }
        let h = try await FleetHarness()
        try await h.start()
        let probe = try TestModels.goldenProbe()
        try await h.publish(TestModels.a, name: "m", version: "A", probe: probe)
        let b = try TestModels.variant(of: TestModels.a, into: h.directory, named: "B", damage: false)
        try await h.publish(b, name: "m", version: "B", probe: probe)
        try await h.deploy("to-a", name: "m", version: "A")
        var agents: [AgentProcess] = []
        for i in 1...3 {
            let token = try await h.enrollmentToken(labels: ["site": "lab"])
            let agent = try AgentProcess(harness: h, dataDir: h.directory.appendingPathComponent("device-\(i)"), token: token,
                                         deviceID: "dev-\(i)", telemetrySeconds: 0.3)
            _ = try await agent.waitForPort()
            agents.append(agent)
        }
        for agent in agents { try await agent.waitServing("A", timeout: 120) }

        // Traffic on every device for the gates to judge.
        let fleet = agents
        let traffic = Task {
            while !Task.isCancelled {
                for agent in fleet { _ = await agent.complete() }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        defer { traffic.cancel() }

        // 1. A gate no real request can pass (p95 under 1 µs): the ring is rolled back and the rollout halts.
        let strict = RolloutPlan(rings: [RingSpec(name: "all", percent: 100, soakSeconds: 1,
                                                  gates: Gates(maxP95LatencyMs: 0.001, minSamples: 3))])
        try await h.deploy("to-b-strict", name: "m", version: "B", previous: "A", plan: strict)
        do {
            try await waitFor("the strict rollout to roll back", timeout: 120) {
                try await Self.status(h, "to-b-strict") == "halted"
            }
        } catch {
            let state = String(decoding: try await h.get("/api/v1/deployments/to-b-strict"), as: UTF8.self)
            var rows: [String] = []
            for i in 1...3 { rows += try await h.store.telemetry(deviceID: "dev-\(i)").map { "\($0)" } }
            XCTFail("deployment: \(state)\ntelemetry: \(rows)\nversions: \(agents.map { $0.activeVersion ?? "-" })\nagent 1: \(agents[0].output.suffix(2000))")
            throw error
        }
        let history = try await Self.history(h, "to-b-strict")
        XCTAssertTrue(history.contains("gateFailed") && history.contains("rolledBack"), "\(history)")
        for agent in agents { try await agent.waitServing("A", timeout: 120) }

        // 2. A healthy rollout: canary half, then everyone, each ring soaking and passing its gates.
        let healthy = RolloutPlan(rings: [
            RingSpec(name: "canary", percent: 50, soakSeconds: 1, gates: Gates(maxErrorRate: 0.5, maxP95LatencyMs: 60_000, minSamples: 1)),
            RingSpec(name: "all", percent: 100, soakSeconds: 1, gates: Gates(maxErrorRate: 0.5, maxP95LatencyMs: 60_000, minSamples: 1)),
        ])
        try await h.deploy("to-b", name: "m", version: "B", previous: "A", plan: healthy)
        try await waitFor("the healthy rollout to complete", timeout: 180) {
            try await Self.status(h, "to-b") == "completed"
        }
        for agent in agents { try await agent.waitServing("B", timeout: 120) }
        traffic.cancel()
        for agent in agents { await agent.stop() }
        await h.stop()
    }

    static func history(_ h: FleetHarness, _ id: String) async throws -> [String] {
        let data = try await h.get("/api/v1/deployments/\(id)")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let events = ((object?["state"] as? [String: Any])?["history"] as? [[String: Any]]) ?? []
        return events.compactMap { $0["kind"] as? String }
    }

    static func status(_ h: FleetHarness, _ id: String) async throws -> String? {
        let data = try await h.get("/api/v1/deployments/\(id)")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["state"] as? [String: Any])?["status"] as? String
    }
}
