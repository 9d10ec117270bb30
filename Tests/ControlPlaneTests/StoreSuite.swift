import ControlPlane
import Foundation
import XCTest

/// Opens fresh stores for the storage tests: a new SQLite file each time, or the PostgreSQL database
/// named by `OUTPOST_TEST_POSTGRES_URL` (emptied first). Without that variable the PostgreSQL tests skip;
/// `.ci/run` starts a server and sets it.
enum TestDatabases {
    static var postgresURL: String? {
        let v = ProcessInfo.processInfo.environment["OUTPOST_TEST_POSTGRES_URL"] ?? ""
        return v.isEmpty ? nil : v
    }

    static func sqlite() async throws -> SQLFleetStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLFleetStore(.sqlite(path: dir.appendingPathComponent("fleet.db").path))
        try await store.migrate()
        return store
    }

    /// A PostgreSQL store on an emptied database; `fresh: false` opens a second instance on the same data.
    static func postgres(fresh: Bool = true) async throws -> SQLFleetStore {
        guard let url = postgresURL else {
            throw XCTSkip("OUTPOST_TEST_POSTGRES_URL is not set (CI sets it; .ci/run starts a PostgreSQL server)")
        }
        let store = try SQLFleetStore(try DatabaseLocation(parsing: url), postgresConnectionsPerLoop: 4)
        try await store.migrate()
        if fresh { try await store.deleteEverything() }
        return store
    }
}

/// The storage behaviour both databases must show; each test class runs every case against its database.
enum StoreSuite {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func device(_ id: String, credential: String? = nil) -> DeviceRecord {
        DeviceRecord(id: id, name: "name-\(id)", credentialHash: credential ?? "hash-\(id)", labels: ["site": "lab"],
                     inventoryJSON: #"{"ramBytes":1}"#, enrolledAt: t0)
    }

    static func token(_ hash: String, expiresIn: Double = 3600) -> EnrollmentTokenRecord {
        EnrollmentTokenRecord(tokenHash: hash, labels: ["ring": "canary", "site": "factory"], createdAt: t0,
                              expiresAt: t0.addingTimeInterval(expiresIn))
    }

    static func enrollmentTokensEnrollOnce(_ store: some FleetStore) async throws {
        try await store.createEnrollmentToken(token("tok-1"))
        let enrolled = try await store.enroll(tokenHash: "tok-1", device: device("dev-1"), now: t0.addingTimeInterval(10))
        // The device's own labels win over the token's; the token's others are added.
        XCTAssertEqual(enrolled.labels, ["ring": "canary", "site": "lab"])
        let stored = try await store.device(id: "dev-1")
        XCTAssertEqual(stored?.labels, ["ring": "canary", "site": "lab"])
        XCTAssertEqual(stored?.name, "name-dev-1")
        do { let value = try await store.device(credentialHash: "hash-dev-1")?.id; XCTAssertEqual(value, "dev-1") }
        do { let value = try await store.device(credentialHash: "nope"); XCTAssertNil(value) }

        await assertRejected(store, "tok-1", "dev-2", contains: "already used")
        await assertRejected(store, "tok-unknown", "dev-3", contains: "unknown")
        try await store.createEnrollmentToken(token("tok-old", expiresIn: 5))
        await assertRejected(store, "tok-old", "dev-4", contains: "expired")
        let all = try await store.devices()
        XCTAssertEqual(all.map(\.id), ["dev-1"])
    }

    private static func assertRejected(_ store: some FleetStore, _ token: String, _ id: String, contains text: String) async {
        do {
            _ = try await store.enroll(tokenHash: token, device: device(id), now: t0.addingTimeInterval(10))
            XCTFail("token \(token) should have been rejected")
        } catch {
            guard case .enrollmentTokenRejected(let why) = error else { return XCTFail("unexpected error \(error)") }
            XCTAssertTrue(why.contains(text), "\(why) should say \(text)")
        }
    }

    /// Eight concurrent enrollments with one token: exactly one device exists afterwards.
    static func concurrentEnrollmentUsesTokenOnce(_ store: some FleetStore) async throws {
        try await store.createEnrollmentToken(token("tok-race"))
        let successes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask { (try? await store.enroll(tokenHash: "tok-race", device: device("race-\(i)"), now: t0)) != nil }
            }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
        XCTAssertEqual(successes, 1)
        do { let value = try await store.devices().count; XCTAssertEqual(value, 1) }
    }

    /// 40 concurrent allocations (over one or two store instances) give exactly 1…40.
    static func desiredSequencesAreUniqueAndIncreasing(_ a: some FleetStore, _ b: some FleetStore) async throws {
        try await a.createEnrollmentToken(token("tok-seq"))
        _ = try await a.enroll(tokenHash: "tok-seq", device: device("seq"), now: t0)
        let numbers = try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let store: any FleetStore = i % 2 == 0 ? a : b
                    return try await store.nextDesiredSequence(deviceID: "seq")
                }
            }
            var all: [Int64] = []
            for try await n in group { all.append(n) }
            return all
        }
        XCTAssertEqual(numbers.sorted(), Array(1...40))
        do { let value = try await a.device(id: "seq")?.desiredSequence; XCTAssertEqual(value, 40) }
        do {
            _ = try await a.nextDesiredSequence(deviceID: "ghost")
            XCTFail("a missing device has no sequence")
        } catch {
            XCTAssertEqual(error, .notFound(kind: "device", id: "ghost"))
        }
    }

    static func aggregate(_ device: String, minute: Double, requests: Int64, errors: Int64, fast: Int64, slow: Int64) -> TelemetryRow {
        TelemetryRow(deviceID: device, modelName: "m", modelVersion: "1", intervalStart: t0.addingTimeInterval(minute * 60),
                           requests: requests, errors: errors, completionTokens: requests * 10,
                           latencyMsSum: Double(fast) * 50 + Double(slow) * 400,
                           peakMemoryBytes: 1000 + requests,
                           latencyBuckets: [fast, slow])
    }

    /// A batch sent five times at once (over one or two instances) counts once; a second batch adds to it.
    static func telemetryBatchesCountOnce(_ a: some FleetStore, _ b: some FleetStore) async throws {
        let batch = [aggregate("d1", minute: 0, requests: 10, errors: 1, fast: 9, slow: 1),
                     aggregate("d1", minute: 0, requests: 5, errors: 0, fast: 5, slow: 0),
                     aggregate("d1", minute: 1, requests: 2, errors: 2, fast: 0, slow: 2)]
        let fresh = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<5 {
                group.addTask {
                    let store: any FleetStore = i % 2 == 0 ? a : b
                    return try await store.ingestTelemetry(deviceID: "d1", idempotencyKey: "batch-1", aggregates: batch, receivedAt: t0)
                }
            }
            var n = 0
            for try await ok in group where ok { n += 1 }
            return n
        }
        XCTAssertEqual(fresh, 1, "exactly one copy of the batch is new")
        let second = [aggregate("d1", minute: 0, requests: 4, errors: 0, fast: 2, slow: 2)]
        do { let value = try await a.ingestTelemetry(deviceID: "d1", idempotencyKey: "batch-2", aggregates: second, receivedAt: t0); XCTAssertTrue(value) }
        // The same key from another device is another batch.
        do { let value = try await b.ingestTelemetry(deviceID: "d2", idempotencyKey: "batch-1",
                                                  aggregates: [aggregate("d2", minute: 0, requests: 1, errors: 0, fast: 1, slow: 0)],
                                                  receivedAt: t0); XCTAssertTrue(value) }

        let rows = try await a.telemetry(modelName: "m", modelVersion: "1", since: nil)
        let d1 = rows.filter { $0.deviceID == "d1" }
        XCTAssertEqual(d1.count, 2)
        XCTAssertEqual(d1[0].requests, 19)   // 10 + 5 + 4
        XCTAssertEqual(d1[0].errors, 1)
        XCTAssertEqual(d1[0].completionTokens, 190)
        XCTAssertEqual(d1[0].peakMemoryBytes, 1010)
        XCTAssertEqual(d1[0].latencyBuckets, [16, 3])
        XCTAssertEqual(d1[1].requests, 2)
        XCTAssertEqual(d1[1].errors, 2)
        let later = try await a.telemetry(modelName: "m", modelVersion: "1", since: t0.addingTimeInterval(60))
        XCTAssertEqual(later.map(\.requests), [2])
        do { let value = try await b.telemetry(deviceID: "d2").map(\.requests); XCTAssertEqual(value, [1]) }
    }

    static func deploymentsUseOptimisticConcurrency(_ store: some FleetStore) async throws {
        let d = DeploymentRecord(id: "dep-1", modelName: "m", version: "2", previousVersion: "1", selector: ["site": "lab"],
                                 planJSON: "{}", policyJSON: "{}", stateJSON: #"{"s":0}"#, createdAt: t0, updatedAt: t0)
        try await store.createDeployment(d)
        do {
            try await store.createDeployment(d)
            XCTFail("a second deployment with the same id must be refused")
        } catch {
            XCTAssertEqual(error, .alreadyExists(kind: "deployment", id: "dep-1"))
        }
        let updated = try await store.updateDeploymentState(id: "dep-1", expectedRevision: 1, stateJSON: #"{"s":1}"#, at: t0)
        XCTAssertEqual(updated.revision, 2)
        XCTAssertEqual(updated.stateJSON, #"{"s":1}"#)
        XCTAssertEqual(updated.selector, ["site": "lab"])
        do {
            _ = try await store.updateDeploymentState(id: "dep-1", expectedRevision: 1, stateJSON: #"{"s":9}"#, at: t0)
            XCTFail("a stale revision must be refused")
        } catch {
            XCTAssertEqual(error, .conflict(kind: "deployment", id: "dep-1"))
        }
        do { let value = try await store.deployment(id: "dep-1")?.stateJSON; XCTAssertEqual(value, #"{"s":1}"#) }
        do { let value = try await store.deployments().count; XCTAssertEqual(value, 1) }
    }

    static func variantsUpsertAndExperimentsPersist(_ store: some FleetStore) async throws {
        let v = VariantRecord(modelName: "m", version: "1", variant: "Q4_0", factsJSON: #"{"a":1}"#, manifestJSON: "{}", createdAt: t0)
        try await store.putVariant(v)
        var v2 = v
        v2.factsJSON = #"{"a":2}"#
        try await store.putVariant(v2)
        try await store.putVariant(VariantRecord(modelName: "other", version: "1", variant: "F16", factsJSON: "{}", manifestJSON: "{}", createdAt: t0))
        let mine = try await store.variants(modelName: "m")
        XCTAssertEqual(mine.map(\.factsJSON), [#"{"a":2}"#])
        do { let value = try await store.variants(modelName: nil).count; XCTAssertEqual(value, 2) }
        try await store.setArtifactPath(modelName: "m", version: "1", variant: "Q4_0", path: "/tmp/x.gguf")
        do { let value = try await store.variants(modelName: "m").first?.artifactPath; XCTAssertEqual(value, "/tmp/x.gguf") }

        try await store.createExperiment(ExperimentRecord(id: "exp", definitionJSON: #"{"p":50}"#, createdAt: t0))
        do { let value = try await store.experiment(id: "exp")?.definitionJSON; XCTAssertEqual(value, #"{"p":50}"#) }
        do { let value = try await store.experiments().map(\.id); XCTAssertEqual(value, ["exp"]) }
    }

    static func heartbeatsAndReports(_ store: some FleetStore) async throws {
        try await store.createEnrollmentToken(token("tok-hb"))
        _ = try await store.enroll(tokenHash: "tok-hb", device: device("hb"), now: t0)
        try await store.recordHeartbeat(deviceID: "hb", inventoryJSON: #"{"ramBytes":2}"#, activeModelJSON: #"{"name":"m"}"#,
                                        health: "ok", at: t0.addingTimeInterval(30))
        let d = try await store.device(id: "hb")
        XCTAssertEqual(d?.inventoryJSON, #"{"ramBytes":2}"#)
        XCTAssertEqual(d?.health, "ok")
        XCTAssertEqual(d?.lastSeen, t0.addingTimeInterval(30))
        do {
            try await store.recordHeartbeat(deviceID: "ghost", inventoryJSON: "{}", activeModelJSON: nil, health: "ok", at: t0)
            XCTFail("heartbeat of an unknown device must fail")
        } catch {
            XCTAssertEqual(error, .notFound(kind: "device", id: "ghost"))
        }
        try await store.recordUpdateReport(UpdateReportRecord(deviceID: "hb", at: t0, reportJSON: #"{"step":"download"}"#))
        try await store.recordUpdateReport(UpdateReportRecord(deviceID: "hb", at: t0.addingTimeInterval(5), reportJSON: #"{"step":"activate"}"#))
        do { let value = try await store.updateReports(deviceID: "hb", limit: 10).map(\.reportJSON); XCTAssertEqual(value,
                       [#"{"step":"activate"}"#, #"{"step":"download"}"#]) }
    }
}
