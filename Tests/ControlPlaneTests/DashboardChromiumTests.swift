import ControlPlane
import FleetCore
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The dashboard pages served by a live control plane and rendered by headless Chromium
/// (`chromium --headless --dump-dom`): the DOM after rendering must show the fleet's devices, the
/// rollout's ring status and the experiment's SVG chart. Skips when Chromium is not installed
/// (`.ci/run` installs it).
final class DashboardChromiumTests: XCTestCase {
    static var chromium: String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) { return path }
        return nil
    }

    /// The DOM Chromium renders for `url`.
    static func dumpDOM(_ chromium: String, _ url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-chromium-\(UUID().uuidString)")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--virtual-time-budget=2000", "--dump-dom", url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
        return String(decoding: data, as: UTF8.self)
    }

    func testDashboardPagesRenderInHeadlessChromium() async throws {
        guard let chromium = Self.chromium else { throw XCTSkip("chromium is not installed (apt-get install -y chromium; CI installs it)") }
        let fixture = try await FleetFixture()
        let clock = fixture.clock
        let admin = FleetFixture.adminToken
        let app = fixture.server.buildApplication()
        try await app.test(.live) { raw in
            let api = FleetClient(client: raw)
            guard let port = raw.port else { return XCTFail("no live port") }
            var credentials: [String: String] = [:]
            for (id, ram) in [("kiosk-lobby", Int64(1024)), ("press-line-7", Int64(4096))] {
                let token = try await api.expect(EnrollmentTokenResponse.self, .created, .post, "/api/v1/enrollment-tokens",
                                                 token: admin, json: CreateEnrollmentTokenRequest(labels: ["site": "plant"]))
                credentials[id] = try await api.expect(EnrollResponse.self, .created, .post, "/api/v1/enroll", token: nil,
                                                       json: EnrollRequest(token: token.token, deviceID: id, name: "Device <\(id)>",
                                                                           inventory: Fleet.inventory(ramMiB: ram, features: ["avx2"]))).credential
                try await api.call(.post, "/api/v1/devices/\(id)/heartbeat", token: credentials[id],
                                   json: HeartbeatRequest(inventory: Fleet.inventory(ramMiB: ram, features: ["avx2"]), health: "ok"))
            }
            let facts = Fleet.facts("assistant.Q4_K_M.gguf", version: "2", memoryMiB: 400, perplexity: 10.5, sha: String(repeating: "e", count: 64))
            try await api.call(.post, "/api/v1/models", token: admin,
                               json: PublishVariantRequest(facts: facts, manifest: try Fleet.manifest(facts, key: fixture.key, now: clock.now)))
            let plan = RolloutPlan(rings: [RingSpec(name: "canary", percent: 50, soakSeconds: 60, gates: Gates(maxErrorRate: 0.1, minSamples: 1)),
                                           RingSpec(name: "everyone", percent: 100, soakSeconds: 60, gates: Gates(maxErrorRate: 0.1, minSamples: 1))])
            _ = try await api.expect(DeploymentView.self, .created, .post, "/api/v1/deployments", token: admin,
                                     json: CreateDeploymentRequest(id: "plant-rollout", model: "assistant", version: "2", previousVersion: "1",
                                                                   selector: ["site": "plant"], plan: plan))
            _ = try await api.expect(ExperimentView.self, .created, .post, "/api/v1/experiments", token: admin,
                                     json: CreateExperimentRequest(experiment: Experiment(id: "q4-vs-q8", modelName: "assistant", versionA: "1",
                                                                                          versionB: "2", percentB: 50), selector: ["site": "plant"]))
            for (id, cred) in credentials {
                let batch = TelemetryBatch(deviceID: id, idempotencyKey: "dash-\(id)",
                                           records: [Fleet.record(version: "1", start: clock.now, requests: 10, errors: 0, latencyMs: 120),
                                                     Fleet.record(version: "2", start: clock.now, requests: 10, errors: 1, latencyMs: 90)])
                try await api.call(.post, "/api/v1/devices/\(id)/telemetry", token: cred, json: batch)
            }

            let base = "http://127.0.0.1:\(port)"
            let overview = try Self.dumpDOM(chromium, "\(base)/dashboard?token=\(admin)")
            XCTAssertTrue(overview.contains("Fleet overview"), overview)
            XCTAssertTrue(overview.contains("Device &lt;kiosk-lobby&gt;"), "device names are rendered, escaped")
            XCTAssertTrue(overview.contains("press-line-7"))
            XCTAssertTrue(overview.contains("<strong>2</strong> devices"))
            XCTAssertTrue(overview.contains("plant-rollout"))

            let device = try Self.dumpDOM(chromium, "\(base)/dashboard/devices/press-line-7?token=\(admin)")
            XCTAssertTrue(device.contains("Device &lt;press-line-7&gt;"))
            XCTAssertTrue(device.contains("4.0 GiB"))

            let models = try Self.dumpDOM(chromium, "\(base)/dashboard/models?token=\(admin)")
            XCTAssertTrue(models.contains("assistant.Q4_K_M.gguf"))
            XCTAssertTrue(models.contains("10.500"))

            let rollouts = try Self.dumpDOM(chromium, "\(base)/dashboard/rollouts?token=\(admin)")
            XCTAssertTrue(rollouts.contains("deployment-plant-rollout"))
            XCTAssertTrue(rollouts.contains(">progressing<"))
            XCTAssertTrue(rollouts.contains("soaking"), "the canary ring shows as soaking")
            XCTAssertTrue(rollouts.contains("pending"), "the second ring shows as pending")

            let experiments = try Self.dumpDOM(chromium, "\(base)/dashboard/experiments?token=\(admin)")
            XCTAssertTrue(experiments.contains("experiment-q4-vs-q8"))
            XCTAssertTrue(experiments.contains("<svg"), "the comparison is drawn as inline SVG")
            XCTAssertTrue(experiments.contains("p95 latency"))

            let unauthorized = try Self.dumpDOM(chromium, "\(base)/dashboard")
            XCTAssertTrue(unauthorized.contains("Admin token required"))
            XCTAssertFalse(unauthorized.contains("kiosk-lobby"))
        }
    }
}
