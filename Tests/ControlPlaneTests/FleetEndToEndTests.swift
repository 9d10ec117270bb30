import ControlPlane
import FleetCore
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The acceptance scenario over real HTTP (a live server on a free port): enroll three devices
/// with different RAM, publish three variants, deploy with rings, a failing gate rolls back, healthy
/// telemetry promotes to 100%, placement gives each device its expected variant, a replayed telemetry
/// batch counts once, and desired states are signed, sequenced and scoped to their device.
final class FleetEndToEndTests: XCTestCase {
    static let plan = RolloutPlan(rings: [
        RingSpec(name: "canary", percent: 50, soakSeconds: 600,
                 gates: Gates(maxErrorRate: 0.05, maxP95LatencyMs: 800, minTokensPerSecondRatio: 0.8, minSamples: 20)),
        RingSpec(name: "all", percent: 100, soakSeconds: 600,
                 gates: Gates(maxErrorRate: 0.05, maxP95LatencyMs: 800, minTokensPerSecondRatio: 0.8, minSamples: 20)),
    ])
    static let deviceIDs = ["edge-small", "edge-medium", "edge-large"]

    /// A deployment id whose canary ring holds at least one device and leaves at least one for the
    /// second ring (ring assignment is a SHA-256 of deployment and device).
    static func deploymentID(prefix: String) -> String {
        for i in 0..<1000 {
            let id = "\(prefix)-\(i)"
            let rings = deviceIDs.map { RingAssignment.ring(forDevice: $0, deploymentID: id, plan: plan) }
            if rings.contains(0), rings.contains(1) { return id }
        }
        return "\(prefix)-none"
    }

    func testRolloutWithRollbackPromotionPlacementAndSignedStates() async throws {
        let fixture = try await FleetFixture()
        let clock = fixture.clock
        let t0 = clock.now
        let admin = FleetFixture.adminToken
        let app = fixture.server.buildApplication()
        try await app.test(.live) { raw in
            let api = FleetClient(client: raw)

            // Enrollment: one token per device, labels from the token.
            var credentials: [String: String] = [:]
            let inventories = [
                "edge-small": Fleet.inventory(ramMiB: 1024, features: ["sse4_2", "avx2"]),
                "edge-medium": Fleet.inventory(ramMiB: 2048, features: ["neon"]),
                "edge-large": Fleet.inventory(ramMiB: 8192, features: ["sse4_2", "avx2", "avx512f"]),
            ]
            for id in Self.deviceIDs {
                let token = try await api.expect(EnrollmentTokenResponse.self, .created, .post, "/api/v1/enrollment-tokens",
                                                 token: admin, json: CreateEnrollmentTokenRequest(labels: ["fleet": "e2e"]))
                let enrolled = try await api.expect(EnrollResponse.self, .created, .post, "/api/v1/enroll", token: nil,
                                                    json: EnrollRequest(token: token.token, deviceID: id, name: "Device \(id)",
                                                                        inventory: inventories[id]!))
                XCTAssertEqual(enrolled.deviceID, id)
                credentials[id] = enrolled.credential
                // A token enrolls once.
                let again = try await api.call(.post, "/api/v1/enroll", token: nil,
                                               json: EnrollRequest(token: token.token, deviceID: id + "-2", inventory: inventories[id]!))
                XCTAssertEqual(again.status, .forbidden)
            }

            // Auth: no token → 401; a device's credential on another device → 403; on admin routes → 401.
            do { let value = try await api.call(.post, "/api/v1/devices/edge-small/heartbeat", token: nil,
                                              json: HeartbeatRequest(inventory: inventories["edge-small"]!, health: "ok")).status; XCTAssertEqual(value, .unauthorized) }
            do { let value = try await api.call(.post, "/api/v1/devices/edge-small/heartbeat", token: credentials["edge-large"],
                                              json: HeartbeatRequest(inventory: inventories["edge-small"]!, health: "ok")).status; XCTAssertEqual(value, .forbidden) }
            do { let value = try await api.call(.get, "/api/v1/devices", token: credentials["edge-large"]).status; XCTAssertEqual(value, .unauthorized) }
            for id in Self.deviceIDs {
                do { let value = try await api.call(.post, "/api/v1/devices/\(id)/heartbeat", token: credentials[id],
                                                  json: HeartbeatRequest(inventory: inventories[id]!, activeModel: ActiveModel(name: "assistant", version: "1"),
                                                                         health: "ok")).status; XCTAssertEqual(value, .ok) }
            }
            let devices = try await api.expect([DeviceView].self, .ok, .get, "/api/v1/devices", token: admin)
            XCTAssertEqual(devices.map(\.id), ["edge-large", "edge-medium", "edge-small"])
            XCTAssertEqual(devices.map(\.labels), Array(repeating: ["fleet": "e2e"], count: 3))
            XCTAssertEqual(devices.first { $0.id == "edge-medium" }?.inventory?.ramBytes, 2048 << 20)
            XCTAssertEqual(devices.first { $0.id == "edge-medium" }?.activeModel, ActiveModel(name: "assistant", version: "1"))

            // Publish: version 1 (one variant) and version 2 (three variants).
            let v1 = Fleet.facts("assistant-v1.Q4_0.gguf", version: "1", memoryMiB: 300, perplexity: 11, sha: String(repeating: "1", count: 64))
            let q2 = Fleet.facts("assistant.Q2_K.gguf", version: "2", memoryMiB: 250, perplexity: 13.5, sha: String(repeating: "a", count: 64))
            let q4 = Fleet.facts("assistant.Q4_K_M.gguf", version: "2", memoryMiB: 400, perplexity: 10.6, features: ["avx2"],
                                 sha: String(repeating: "b", count: 64))
            let q8 = Fleet.facts("assistant.Q8_0.gguf", version: "2", memoryMiB: 700, perplexity: 10.1, sha: String(repeating: "c", count: 64))
            for f in [v1, q2, q4, q8] {
                let view = try await api.expect(VariantView.self, .created, .post, "/api/v1/models", token: admin,
                                                json: PublishVariantRequest(facts: f, manifest: try Fleet.manifest(f, key: fixture.key, now: t0)))
                XCTAssertEqual(view.variant, f.fileName)
            }
            // A manifest signed by another key, or listing another digest, is refused.
            let stranger = try Fleet.manifest(q8, key: SigningKey.generate(), now: t0)
            do { let value = try await api.call(.post, "/api/v1/models", token: admin, json: PublishVariantRequest(facts: q8, manifest: stranger)).status; XCTAssertEqual(value,
                           .unprocessableContent) }
            var wrongDigest = q8
            wrongDigest.sha256 = String(repeating: "d", count: 64)
            do { let value = try await api.call(.post, "/api/v1/models", token: admin,
                                              json: PublishVariantRequest(facts: wrongDigest, manifest: try Fleet.manifest(q8, key: fixture.key, now: t0))).status; XCTAssertEqual(value,
                           .unprocessableContent) }

            // Baseline: version 1's telemetry, 250 tokens/s at 200 ms.
            for id in Self.deviceIDs {
                let batch = TelemetryBatch(deviceID: id, idempotencyKey: "v1-\(id)",
                                           records: [Fleet.record(version: "1", start: t0, requests: 50, errors: 0, latencyMs: 200)])
                do { let value = try await api.call(.post, "/api/v1/devices/\(id)/telemetry", token: credentials[id], json: batch).status; XCTAssertEqual(value, .created) }
            }

            // Deployment A of version 2: the canary's telemetry fails the error-rate gate → rollback and halt.
            let policy = PlacementPolicy(contextSize: 4096, memoryShare: 0.6, runtimeOverheadBytes: 64 << 20, maxPerplexity: 12)
            let idA = Self.deploymentID(prefix: "rollout-a")
            clock.set(t0.addingTimeInterval(60))
            let depA = try await api.expect(DeploymentView.self, .created, .post, "/api/v1/deployments", token: admin,
                                            json: CreateDeploymentRequest(id: idA, model: "assistant", version: "2", previousVersion: "1",
                                                                          selector: ["fleet": "e2e"], plan: Self.plan, policy: policy))
            XCTAssertEqual(depA.state.status, .progressing)
            XCTAssertEqual(depA.percentOnNewVersion, 50)

            // Placement: 1 GiB with AVX2 → Q4_K_M (464 MiB of 614); 2 GiB without AVX2 → Q8_0 (764 of 1228);
            // 8 GiB with AVX2 → Q4_K_M, the smallest viable; Q2_K is below the quality floor for all.
            let placement = try await api.expect(PlacementReport.self, .ok, .get, "/api/v1/deployments/\(idA)/placement", token: admin)
            let chosen = Dictionary(uniqueKeysWithValues: placement.entries.map { ($0.deviceID, $0.variant) })
            XCTAssertEqual(chosen, ["edge-small": "assistant.Q4_K_M.gguf", "edge-medium": "assistant.Q8_0.gguf",
                                    "edge-large": "assistant.Q4_K_M.gguf"])
            XCTAssertEqual(placement.unplaced, [])
            XCTAssertTrue(placement.entries.allSatisfy { !$0.arithmetic.isEmpty })

            let canaryA = placement.entries.filter { $0.ring == 0 }.map(\.deviceID)
            XCTAssertFalse(canaryA.isEmpty)
            clock.set(t0.addingTimeInterval(120))
            for id in canaryA {
                let bad = TelemetryBatch(deviceID: id, idempotencyKey: "a-\(id)",
                                         records: [Fleet.record(version: "2", start: clock.now, requests: 40, errors: 12, latencyMs: 200)])
                do { let value = try await api.call(.post, "/api/v1/devices/\(id)/telemetry", token: credentials[id], json: bad).status; XCTAssertEqual(value, .created) }
            }
            clock.set(t0.addingTimeInterval(180))
            let eventsA = try await fixture.server.controller.evaluateAll()
            XCTAssertEqual(eventsA[idA]?.map(\.kind), [.gateFailed, .rolledBack, .halted])
            let haltedA = try await api.expect(DeploymentView.self, .ok, .get, "/api/v1/deployments/\(idA)", token: admin)
            XCTAssertEqual(haltedA.state.status, .halted)
            XCTAssertEqual(haltedA.percentOnNewVersion, 0)
            XCTAssertTrue(haltedA.state.history.contains { $0.kind == .rolledBack && $0.ring == 0 })
            XCTAssertTrue(haltedA.state.history.contains { $0.kind == .gateFailed && $0.detail.contains("error rate") })

            // The rolled-back canary's desired state names version 1 again, signed by the control plane.
            let canaryID = canaryA[0]
            let trust = TrustRoot(keys: [fixture.key.publicKey])
            let verifier = DesiredStateVerifier(trustRoot: trust, deviceID: canaryID)
            let first = try await api.expect(DSSEEnvelope.self, .ok, .get, "/api/v1/devices/\(canaryID)/desired-state", token: credentials[canaryID])
            let firstState = try verifier.verify(first, lastAcceptedSequence: nil, now: clock.now)
            XCTAssertEqual(firstState.model?.version, "1")
            XCTAssertEqual(firstState.model?.variant, "assistant-v1.Q4_0.gguf")
            XCTAssertEqual(firstState.deployment, idA)
            XCTAssertEqual(firstState.expiresAt, clock.now.addingTimeInterval(3600))

            // Deployment B of version 2 (after a fix): healthy telemetry promotes ring by ring to 100%.
            let idB = Self.deploymentID(prefix: "rollout-b")
            clock.set(t0.addingTimeInterval(300))
            _ = try await api.expect(DeploymentView.self, .created, .post, "/api/v1/deployments", token: admin,
                                     json: CreateDeploymentRequest(id: idB, model: "assistant", version: "2", previousVersion: "1",
                                                                   selector: ["fleet": "e2e"], plan: Self.plan, policy: policy))
            let placementB = try await api.expect(PlacementReport.self, .ok, .get, "/api/v1/deployments/\(idB)/placement", token: admin)
            let ringOf = Dictionary(uniqueKeysWithValues: placementB.entries.map { ($0.deviceID, $0.ring) })
            func postHealthy(_ key: String, devices: [String]) async throws {
                for id in devices {
                    let good = TelemetryBatch(deviceID: id, idempotencyKey: "\(key)-\(id)",
                                              records: [Fleet.record(version: "2", start: clock.now, requests: 40, errors: 0, latencyMs: 180)])
                    do { let value = try await api.call(.post, "/api/v1/devices/\(id)/telemetry", token: credentials[id], json: good).status; XCTAssertEqual(value, .created) }
                }
            }
            clock.set(t0.addingTimeInterval(360))
            try await postHealthy("b0", devices: ringOf.filter { $0.value == 0 }.map(\.key))
            // Healthy but still soaking: no promotion before 600 s.
            clock.set(t0.addingTimeInterval(600))
            var events = try await fixture.server.controller.evaluateAll()
            XCTAssertNil(events[idB])
            clock.set(t0.addingTimeInterval(960))
            events = try await fixture.server.controller.evaluateAll()
            XCTAssertEqual(events[idB]?.map(\.kind), [.promoted])
            clock.set(t0.addingTimeInterval(1000))
            try await postHealthy("b1", devices: ringOf.filter { $0.value != nil }.map(\.key))
            clock.set(t0.addingTimeInterval(1600))
            events = try await fixture.server.controller.evaluateAll()
            XCTAssertEqual(events[idB]?.map(\.kind), [.completed])
            let doneB = try await api.expect(DeploymentView.self, .ok, .get, "/api/v1/deployments/\(idB)", token: admin)
            XCTAssertEqual(doneB.state.status, .completed)
            XCTAssertEqual(doneB.percentOnNewVersion, 100)

            // Every device's signed desired state now names version 2 and its expected variant.
            let expected = ["edge-small": "assistant.Q4_K_M.gguf", "edge-medium": "assistant.Q8_0.gguf", "edge-large": "assistant.Q4_K_M.gguf"]
            for (id, variant) in expected {
                let envelope = try await api.expect(DSSEEnvelope.self, .ok, .get, "/api/v1/devices/\(id)/desired-state", token: credentials[id])
                let state = try DesiredStateVerifier(trustRoot: trust, deviceID: id).verify(envelope, lastAcceptedSequence: nil, now: clock.now)
                XCTAssertEqual(state.model?.version, "2", id)
                XCTAssertEqual(state.model?.variant, variant, id)
                XCTAssertEqual(state.model?.artifactURL, "http://fleet.test/api/v1/models/assistant/versions/2/variants/\(variant)/artifact")
                XCTAssertEqual(state.deployment, idB)
            }
            // Sequences grow per device; the older state replayed to the agent is refused as stale.
            let latest = try await api.expect(DSSEEnvelope.self, .ok, .get, "/api/v1/devices/\(canaryID)/desired-state", token: credentials[canaryID])
            let latestState = try verifier.verify(latest, lastAcceptedSequence: firstState.sequence, now: clock.now)
            XCTAssertGreaterThan(latestState.sequence, firstState.sequence)
            XCTAssertThrowsError(try verifier.verify(first, lastAcceptedSequence: latestState.sequence, now: clock.now)) { error in
                XCTAssertEqual(error as? SignatureError, .staleSequence(got: firstState.sequence, lastAccepted: latestState.sequence))
            }
            // A device cannot fetch another's desired state.
            let other = expected.keys.first { $0 != canaryID }!
            do { let value = try await api.call(.get, "/api/v1/devices/\(other)/desired-state", token: credentials[canaryID]).status; XCTAssertEqual(value, .forbidden) }

            // A replayed telemetry batch counts once.
            let replay = TelemetryBatch(deviceID: "edge-large", idempotencyKey: "replay-1",
                                        records: [Fleet.record(version: "3", start: clock.now, requests: 7, errors: 1, latencyMs: 90)])
            let firstPost = try await api.expect(TelemetryAccepted.self, .created, .post, "/api/v1/devices/edge-large/telemetry",
                                                 token: credentials["edge-large"], json: replay)
            let secondPost = try await api.expect(TelemetryAccepted.self, .ok, .post, "/api/v1/devices/edge-large/telemetry",
                                                  token: credentials["edge-large"], json: replay)
            XCTAssertTrue(firstPost.accepted)
            XCTAssertTrue(secondPost.duplicate)
            let v3 = try await fixture.server.store.telemetry(modelName: "assistant", modelVersion: "3", since: nil)
            XCTAssertEqual(v3.map(\.requests), [7])
            XCTAssertEqual(v3.map(\.errors), [1])
        }
    }
}
