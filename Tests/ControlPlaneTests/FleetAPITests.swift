import ControlPlane
import FleetCore
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// API behaviour beyond the end-to-end scenario: experiments, manual rollout actions, artifact
/// upload and ranged download, input errors, and the OpenAPI description matching the routes.
final class FleetAPITests: XCTestCase {
    func testExperimentComparesArmsWithSampleCounts() async throws {
        let fixture = try await FleetFixture()
        let admin = FleetFixture.adminToken
        try await fixture.server.buildApplication().test(.router) { raw in
            let api = FleetClient(client: raw)
            let experiment = Experiment(id: "exp-1", modelName: "assistant", versionA: "1", versionB: "2", percentB: 50)
            _ = try await api.expect(ExperimentView.self, .created, .post, "/api/v1/experiments", token: admin,
                                     json: CreateExperimentRequest(experiment: experiment, selector: ["ab": "yes"]))
            do { let value = try await api.call(.post, "/api/v1/experiments", token: admin,
                                              json: CreateExperimentRequest(experiment: experiment)).status; XCTAssertEqual(value, .conflict) }
            // 12 devices: each sends telemetry for the version of its arm (and some for the other, which must not count).
            var arms: [Experiment.Arm: Int] = [.a: 0, .b: 0]
            for i in 0..<12 {
                let id = "ab-\(i)"
                let token = try await api.expect(EnrollmentTokenResponse.self, .created, .post, "/api/v1/enrollment-tokens",
                                                 token: admin, json: CreateEnrollmentTokenRequest(labels: ["ab": "yes"]))
                let cred = try await api.expect(EnrollResponse.self, .created, .post, "/api/v1/enroll", token: nil,
                                                json: EnrollRequest(token: token.token, deviceID: id, inventory: Fleet.inventory(ramMiB: 2048, features: []))).credential
                let arm = experiment.arm(forDevice: id)
                arms[arm, default: 0] += 1
                let mine = arm == .a ? Fleet.record(version: "1", start: fixture.clock.now, requests: 10, errors: 1, latencyMs: 200)
                                     : Fleet.record(version: "2", start: fixture.clock.now, requests: 10, errors: 0, latencyMs: 100, fallbacks: 2)
                let other = Fleet.record(version: arm == .a ? "2" : "1", start: fixture.clock.now, requests: 99, errors: 99, latencyMs: 5000)
                try await api.call(.post, "/api/v1/devices/\(id)/telemetry", token: cred,
                                   json: TelemetryBatch(deviceID: id, idempotencyKey: "k", records: [mine, other]))
                // The signed desired state names the arm's version.
                let envelope = try await api.expect(DSSEEnvelope.self, .ok, .get, "/api/v1/devices/\(id)/desired-state", token: cred)
                let payload = try TrustRoot(keys: [fixture.key.publicKey]).verify(envelope, expectedPayloadType: DesiredState.payloadType)
                let state = try FleetJSON.decoder().decode(DesiredState.self, from: payload)
                XCTAssertNil(state.model, "no variant of the arm's version is published, so no model is assigned")
            }
            let report = try await api.expect(ExperimentReport.self, .ok, .get, "/api/v1/experiments/exp-1/comparison", token: admin)
            XCTAssertEqual(report.devicesA, arms[.a])
            XCTAssertEqual(report.devicesB, arms[.b])
            XCTAssertEqual(report.devicesA + report.devicesB, 12)
            XCTAssertEqual(report.comparison.a.samples, 10 * arms[.a]!)
            XCTAssertEqual(report.comparison.b.samples, 10 * arms[.b]!)
            if arms[.a]! > 0 { XCTAssertEqual(report.comparison.a.errorRate, 0.1, accuracy: 1e-12) }
            if arms[.b]! > 0 {
                XCTAssertEqual(report.comparison.b.errorRate, 0, accuracy: 1e-12)
                XCTAssertEqual(report.comparison.b.fallbackRate, 0.2, accuracy: 1e-12)
                XCTAssertEqual(report.comparison.b.tokensPerSecond, 500, accuracy: 1e-9)   // 50 tokens in 100 ms
            }
            if arms[.a]! > 0 { XCTAssertEqual(report.comparison.a.tokensPerSecond, 250, accuracy: 1e-9) }
        }
    }

    func testManualPauseResumeRollbackAndInvalidTransitions() async throws {
        let fixture = try await FleetFixture()
        let admin = FleetFixture.adminToken
        try await fixture.server.buildApplication().test(.router) { raw in
            let api = FleetClient(client: raw)
            let facts = Fleet.facts("m.Q4_0.gguf", version: "2", memoryMiB: 100, perplexity: 9, sha: String(repeating: "f", count: 64))
            try await api.call(.post, "/api/v1/models", token: admin,
                               json: PublishVariantRequest(facts: facts, manifest: try Fleet.manifest(facts, key: fixture.key, now: fixture.clock.now)))
            let plan = RolloutPlan(rings: [RingSpec(name: "all", percent: 100, soakSeconds: 10, gates: Gates(minSamples: 1))])
            _ = try await api.expect(DeploymentView.self, .created, .post, "/api/v1/deployments", token: admin,
                                     json: CreateDeploymentRequest(id: "d1", model: "assistant", version: "2", selector: [:], plan: plan))
            do { let value = try await api.call(.post, "/api/v1/deployments", token: admin,
                                              json: CreateDeploymentRequest(id: "d1", model: "assistant", version: "2", selector: [:], plan: plan)).status; XCTAssertEqual(value, .conflict) }
            do { let value = try await api.call(.post, "/api/v1/deployments", token: admin,
                                              json: CreateDeploymentRequest(id: "d2", model: "assistant", version: "9", selector: [:], plan: plan)).status; XCTAssertEqual(value,
                           .unprocessableContent, "a version without variants cannot be deployed") }
            do { let value = try await api.call(.post, "/api/v1/deployments/d1/resume", token: admin, json: RolloutActionRequest()).status; XCTAssertEqual(value, .conflict) }
            var view = try await api.expect(DeploymentView.self, .ok, .post, "/api/v1/deployments/d1/pause", token: admin,
                                            json: RolloutActionRequest(reason: "investigating"))
            XCTAssertEqual(view.state.status, .paused)
            XCTAssertEqual(view.revision, 2)
            view = try await api.expect(DeploymentView.self, .ok, .post, "/api/v1/deployments/d1/resume", token: admin, json: RolloutActionRequest())
            XCTAssertEqual(view.state.status, .progressing)
            view = try await api.expect(DeploymentView.self, .ok, .post, "/api/v1/deployments/d1/rollback", token: admin, json: RolloutActionRequest())
            XCTAssertEqual(view.state.status, .rolledBack)
            XCTAssertEqual(view.percentOnNewVersion, 0)
            do { let value = try await api.call(.post, "/api/v1/deployments/d1/rollback", token: admin, json: RolloutActionRequest()).status; XCTAssertEqual(value, .conflict) }
            do { let value = try await api.call(.post, "/api/v1/deployments/nope/pause", token: admin, json: RolloutActionRequest()).status; XCTAssertEqual(value, .notFound) }
            XCTAssertEqual(view.state.history.map(\.kind), [.started, .paused, .resumed, .rolledBack])
        }
    }

    func testArtifactUploadChecksDigestAndDownloadServesRanges() async throws {
        let fixture = try await FleetFixture()
        let admin = FleetFixture.adminToken
        // A 300 000-byte artifact with a known pattern.
        let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let file = fixture.directory.appendingPathComponent("tiny.Q8_0.gguf")
        try bytes.write(to: file)
        let digest = try FileDigest.sha256(of: file)
        var facts = Fleet.facts("tiny.Q8_0.gguf", version: "1", memoryMiB: 50, perplexity: 20, sha: digest.hex)
        facts.sizeBytes = digest.sizeBytes
        let published = facts
        try await fixture.server.buildApplication().test(.router) { raw in
            let api = FleetClient(client: raw)
            let manifest = try ModelManifest.sign(files: [file], name: "assistant", version: "1", key: fixture.key,
                                                  now: fixture.clock.now, validFor: 3600)
            _ = try await api.expect(VariantView.self, .created, .post, "/api/v1/models", token: admin,
                                     json: PublishVariantRequest(facts: published, manifest: manifest))
            let path = "/api/v1/models/assistant/versions/1/variants/tiny.Q8_0.gguf/artifact"
            do { let value = try await api.call(.get, path, token: admin).status; XCTAssertEqual(value, .notFound, "not uploaded yet") }
            var corrupt = bytes
            corrupt[1000] ^= 1
            do { let value = try await api.call(.put, path, token: admin, raw: ByteBuffer(bytes: corrupt)).status; XCTAssertEqual(value, .unprocessableContent) }
            do { let value = try await api.call(.put, path, token: admin, raw: ByteBuffer(bytes: bytes)).status; XCTAssertEqual(value, .created) }
            let whole = try await api.call(.get, path, token: admin)
            XCTAssertEqual(whole.status, .ok)
            XCTAssertEqual(whole.body, bytes)
            let part = try await api.call(.get, path, token: admin, headers: [.range: "bytes=1000-1999"])
            XCTAssertEqual(part.status, .partialContent)
            XCTAssertEqual(part.headers[.contentRange], "bytes 1000-1999/300000")
            XCTAssertEqual(part.body, bytes[1000..<2000])
            let tail = try await api.call(.get, path, token: admin, headers: [.range: "bytes=299990-"])
            XCTAssertEqual(tail.body, bytes[299_990...])
            let suffix = try await api.call(.get, path, token: admin, headers: [.range: "bytes=-5"])
            XCTAssertEqual(suffix.body, bytes[299_995...])
            do { let value = try await api.call(.get, path, token: admin, headers: [.range: "bytes=400000-"]).status; XCTAssertEqual(value, .rangeNotSatisfiable) }
            do { let value = try await api.call(.get, path, token: nil).status; XCTAssertEqual(value, .unauthorized) }
            // The manifest verifies against the downloaded bytes (what the agent does).
            let downloaded = fixture.directory.appendingPathComponent("dl").appendingPathComponent("tiny.Q8_0.gguf")
            try FileManager.default.createDirectory(at: downloaded.deletingLastPathComponent(), withIntermediateDirectories: true)
            try whole.body.write(to: downloaded)
            XCTAssertNoThrow(try ManifestVerifier.verify(manifest, files: [downloaded], trustRoot: TrustRoot(keys: [fixture.key.publicKey]),
                                                         now: fixture.clock.now))
        }
    }

    func testBadInputGetsTypedJSONErrors() async throws {
        let fixture = try await FleetFixture()
        let admin = FleetFixture.adminToken
        try await fixture.server.buildApplication().test(.router) { raw in
            let api = FleetClient(client: raw)
            let notJSON = try await api.call(.post, "/api/v1/enrollment-tokens", token: admin, raw: ByteBuffer(string: "{nope"))
            XCTAssertEqual(notJSON.status, .badRequest)
            struct Envelope: Decodable { struct Body: Decodable { let message: String; let code: String }; let error: Body }
            XCTAssertEqual(try JSONDecoder().decode(Envelope.self, from: notJSON.body).error.code, "invalid_request")
            let missing = try await api.call(.post, "/api/v1/enroll", token: nil, raw: ByteBuffer(string: #"{"token":"x"}"#))
            XCTAssertEqual(missing.status, .badRequest)
            XCTAssertTrue(try JSONDecoder().decode(Envelope.self, from: missing.body).error.message.contains("inventory"))
            let unknownToken = try await api.call(.post, "/api/v1/enroll", token: nil,
                                                  json: EnrollRequest(token: "made-up", deviceID: "d", inventory: Fleet.inventory(ramMiB: 1, features: [])))
            XCTAssertEqual(unknownToken.status, .forbidden)
            XCTAssertEqual(try JSONDecoder().decode(Envelope.self, from: unknownToken.body).error.code, "enrollment_token_rejected")
            let token = try await api.expect(EnrollmentTokenResponse.self, .created, .post, "/api/v1/enrollment-tokens", token: admin,
                                             json: CreateEnrollmentTokenRequest())
            let badID = try await api.call(.post, "/api/v1/enroll", token: nil,
                                           json: EnrollRequest(token: token.token, deviceID: "../etc", inventory: Fleet.inventory(ramMiB: 1, features: [])))
            XCTAssertEqual(badID.status, .badRequest)
            var inventory = Fleet.inventory(ramMiB: 1, features: [])
            inventory.cores = -3
            do { let value = try await api.call(.post, "/api/v1/enroll", token: nil,
                                              json: EnrollRequest(token: token.token, deviceID: "d", inventory: inventory)).status; XCTAssertEqual(value, .badRequest) }
            do { let value = try await api.call(.get, "/api/v1/deployments/missing", token: admin).status; XCTAssertEqual(value, .notFound) }
            let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: 5 << 20)
            do { let value = try await api.call(.post, "/api/v1/enrollment-tokens", token: admin, raw: huge).status; XCTAssertEqual(value, .contentTooLarge) }
        }
    }

    /// Every documented path answers (no router 404), and every route in the sources is documented.
    func testOpenAPIDescriptionMatchesTheRoutes() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let yaml = try String(contentsOf: root.appendingPathComponent("docs/fleet-openapi.yaml"), encoding: .utf8)
        // Documented (method, path) pairs: a path line at two spaces, its methods at four.
        var documented: Set<String> = []
        var current: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") { current = String(line.dropFirst(2).dropLast()) }
            else if !line.hasPrefix(" ") { current = nil }
            else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let word = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "delete", "patch"].contains(String(word)) { documented.insert("\(word.uppercased()) \(path)") }
            }
        }
        // Routes in the sources: router.get("/…"), with the action loop expanded.
        var routes: Set<String> = []
        let sources = root.appendingPathComponent("Sources/ControlPlane")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let pattern = try NSRegularExpression(pattern: #"router\.(get|post|put|delete|patch)\((?:RouterPath\()?"([^"]+)"(\s*\+\s*action\.rawValue)?"#)
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let method = String(text[Range(m.range(at: 1), in: text)!]).uppercased()
                let path = String(text[Range(m.range(at: 2), in: text)!])
                    .replacingOccurrences(of: #":([a-z]+)"#, with: "{$1}", options: .regularExpression)
                if m.range(at: 3).location != NSNotFound {
                    for action in ["pause", "resume", "rollback"] { routes.insert("\(method) \(path)\(action)") }
                } else {
                    routes.insert("\(method) \(path)")
                }
            }
        }
        XCTAssertGreaterThan(routes.count, 25)
        XCTAssertEqual(routes.subtracting(documented), [], "routes missing from docs/fleet-openapi.yaml")
        XCTAssertEqual(documented.subtracting(routes), [], "documented paths with no route")

        let fixture = try await FleetFixture()
        let documentedRoutes = documented
        try await fixture.server.buildApplication().test(.router) { raw in
            let api = FleetClient(client: raw)
            let served = try await api.call(.get, "/openapi.yaml", token: nil)
            XCTAssertEqual(String(decoding: served.body, as: UTF8.self).trimmingCharacters(in: .newlines),
                           yaml.trimmingCharacters(in: .newlines), "run scripts/gen-fleet-openapi after editing the YAML")
            // Every documented route is answered by a handler: a router miss is a 404 without our JSON body.
            for entry in documentedRoutes {
                let parts = entry.split(separator: " ", maxSplits: 1)
                let path = String(parts[1]).replacingOccurrences(of: #"\{[a-z]+\}"#, with: "x", options: .regularExpression)
                let r = try await api.call(HTTPRequest.Method(rawValue: String(parts[0]))!, path, token: nil)
                XCTAssertFalse(r.status == .notFound && r.body.isEmpty, "\(entry) is not routed")
            }
        }
    }
}
