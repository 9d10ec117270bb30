import AsyncHTTPClient
import FleetCore
import DeviceAgent
import Foundation
import HummingbirdTesting
import XCTest

/// Records what the server was told to serve.
final class RecordingActivator: ModelActivator, @unchecked Sendable {
    private let lock = NSLock()
    private var _served: [String?] = []
    var served: [String?] { lock.lock(); defer { lock.unlock() }; return _served }
    func activate(modelPath: URL?, slot: SlotInfo?) async throws {
        lock.withLock { _served.append(slot?.version) }
    }
}

/// A health check that passes or fails by version (the real check runs a model: see the agent process tests).
struct VersionHealth: HealthChecker {
    let failing: Set<String>
    func check(modelPath: URL, probe: HealthProbe?) async -> HealthReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let version = (try? decoder.decode(SlotInfo.self, from: Data(contentsOf: modelPath.deletingLastPathComponent()
            .appendingPathComponent("slot.json"))))?.version ?? "?"
        let ok = !failing.contains(version)
        return HealthReport(passed: ok, reason: ok ? "ok" : "expected output missing", output: "", latencyMs: 1)
    }
}

/// Accepts an artifact when its bytes hash to the manifest's digest; refuses with a given code otherwise.
struct DigestOnlyVerifier: ArtifactVerifier {
    var refuse: UpdateRejection?
    func verify(file: URL, update: ModelUpdate, now: Date) throws(UpdateRejection) {
        if let refuse { throw refuse }
    }
}

final class UpdaterTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-upd-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private static func update(_ seq: UInt64, _ version: String, _ bytes: [UInt8], port: Int) -> ModelUpdate {
        ModelUpdate(sequence: seq, name: "m", version: version, artifactURL: "http://127.0.0.1:\(port)/artifacts/\(version)",
                    sha256: hexSHA256(bytes), sizeBytes: Int64(bytes.count), manifest: Data("{}".utf8), probe: nil)
    }

    func testCommitThenAFailingHealthCheckRollsBack() async throws {
        let files = ArtifactFiles()
        let a = randomBytes(50_000, seed: 10), b = randomBytes(60_000, seed: 11)
        files.put("A", a)
        files.put("B", b)
        let root = try tempDir()
        let activator = RecordingActivator()
        try await artifactApplication(files).test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let updater = try Updater(slots: try SlotStore(root: root), downloader: ArtifactDownloader(client: .shared),
                                      verifier: DigestOnlyVerifier(), health: VersionHealth(failing: ["B"]), activator: activator)
            let first = await updater.apply(Self.update(1, "A", a, port: port))
            guard case .committed(let info, _) = first else { return XCTFail("\(first)") }
            XCTAssertEqual(info.version, "A")
            let second = await updater.apply(Self.update(2, "B", b, port: port))
            guard case .rolledBack(let failure) = second else { return XCTFail("\(second)") }
            XCTAssertEqual(failure.code, "health_check_failed")
            XCTAssertEqual(failure.sequence, 2)
            let serving = await updater.servingSlot
            XCTAssertEqual(serving?.version, "A")
            XCTAssertEqual(activator.served, ["A", "B", "A"])
            // The failed sequence is not retried; the same A again is a no-op.
            if case .skippedFailed = await updater.apply(Self.update(2, "B", b, port: port)) {} else { XCTFail("retried a failed update") }
            if case .alreadyActive = await updater.apply(Self.update(1, "A", a, port: port)) {} else { XCTFail("reinstalled A") }
            let state = await updater.state
            XCTAssertEqual(state.committedSlot, SlotStore.slotID(name: "m", version: "A", sha256: hexSHA256(a)))
            XCTAssertNil(state.pending)
            XCTAssertEqual(state.lastFailure?.code, "health_check_failed")
            // The failed slot is collected; the served one stays.
            XCTAssertEqual(try SlotStore(root: root).allSlots(), [SlotStore.slotID(name: "m", version: "A", sha256: hexSHA256(a))])
        }
    }

    func testRejectedArtifactsLeaveTheOldModelServing() async throws {
        let files = ArtifactFiles()
        let a = randomBytes(30_000, seed: 12), b = randomBytes(30_000, seed: 13)
        files.put("A", a)
        files.put("B", b)
        let root = try tempDir()
        let activator = RecordingActivator()
        try await artifactApplication(files).test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let ok = try Updater(slots: try SlotStore(root: root), downloader: ArtifactDownloader(client: .shared),
                                 verifier: DigestOnlyVerifier(), health: VersionHealth(failing: []), activator: activator)
            guard case .committed = await ok.apply(Self.update(1, "A", a, port: port)) else { return XCTFail() }
            let refusing = try Updater(slots: try SlotStore(root: root), downloader: ArtifactDownloader(client: .shared),
                                       verifier: DigestOnlyVerifier(refuse: UpdateRejection(code: "untrusted_signer", reason: "key abc is not trusted")),
                                       health: VersionHealth(failing: []), activator: activator)
            let outcome = await refusing.apply(Self.update(2, "B", b, port: port))
            guard case .rejected(let failure) = outcome else { return XCTFail("\(outcome)") }
            XCTAssertEqual(failure.code, "untrusted_signer")
            XCTAssertEqual(try SlotStore(root: root).activeSlot(), SlotStore.slotID(name: "m", version: "A", sha256: hexSHA256(a)))
            // A tampered artifact: the bytes served differ from the signed digest.
            // The refused artifact is not fetched again.
            guard case .skippedFailed = await refusing.apply(Self.update(5, "B", b, port: port)) else { return XCTFail() }
            // A tampered artifact: the bytes served differ from the signed digest.
            let signed = randomBytes(30_000, seed: 14)
            var tampered = signed
            tampered[100] ^= 0xFF
            files.put("C", tampered)
            guard case .rejected(let f3) = await refusing.apply(Self.update(3, "C", signed, port: port)) else { return XCTFail() }
            XCTAssertEqual(f3.code, "digest_mismatch")
            // An update that cannot fit on disk is refused before any byte is fetched.
            var huge = Self.update(4, "D", randomBytes(10, seed: 15), port: port)
            huge.sizeBytes = Int64.max / 4
            guard case .rejected(let f4) = await refusing.apply(huge) else { return XCTFail() }
            XCTAssertEqual(f4.code, "insufficient_disk")
            XCTAssertEqual(try SlotStore(root: root).activeSlot(), SlotStore.slotID(name: "m", version: "A", sha256: hexSHA256(a)))
            XCTAssertEqual(activator.served, ["A"])
        }
    }

    func testRecoveryFinishesOrUndoesAnInterruptedSwitch() async throws {
        for failing in [false, true] {
            let root = try tempDir()
            let store = try SlotStore(root: root)
            for (seq, v) in [(UInt64(1), "A"), (2, "B")] {
                let f = store.stagingDirectory.appendingPathComponent("\(v).download")
                try Data([UInt8(seq)]).write(to: f)
                try store.install(verifiedFile: f, manifest: Data("{}".utf8), info: SlotInfo(
                    id: "\(seq)-m-\(v)", name: "m", version: v, sha256: String(repeating: "0", count: 64), sizeBytes: 1,
                    sequence: seq, installedAt: Date()))
            }
            // The process died after switching to B and before its health check finished.
            try store.activate("2-m-B")
            var state = AgentState()
            state.committedSlot = "1-m-A"
            state.pending = PendingUpdate(sequence: 2, slot: "2-m-B", phase: .healthChecking, previousSlot: "1-m-A", probe: nil)
            try AgentStateStore(directory: root).save(state)
            let activator = RecordingActivator()
            let updater = try Updater(slots: store, downloader: ArtifactDownloader(client: .shared), verifier: DigestOnlyVerifier(),
                                      health: VersionHealth(failing: failing ? ["B"] : []), activator: activator)
            try await updater.recover()
            XCTAssertEqual(store.activeSlot(), failing ? "1-m-A" : "2-m-B")
            XCTAssertEqual(activator.served, failing ? ["B", "A"] : ["B"])
            let after = await updater.state
            XCTAssertNil(after.pending)
            XCTAssertEqual(after.committedSlot, failing ? "1-m-A" : "2-m-B")
        }
    }
}
