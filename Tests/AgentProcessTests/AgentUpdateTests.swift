import ControlPlane
import DeviceAgent
import FleetCore
import Foundation
import TestSupport
import XCTest

/// The device agent as real processes against a real control plane: kill -9 through an update,
/// rejected artifacts, a failing health check. Each test builds its own fleet on loopback.
final class AgentUpdateTests: XCTestCase {
    /// A fleet with versions A and B (and Bad) published, one device enrolled and serving A, and a copy
    /// of that device's data directory to start each case from.
    struct Fixture {
        let harness: FleetHarness
        let work: URL
        let snapshotA: URL
        let deviceID = "dev-1"
    }

    static func fixture(extraPublisher: SigningKey? = nil) async throws -> Fixture {
        guard FileManager.default.fileExists(atPath: TestModels.a.path) else { throw XCTSkip("run scripts/fetch-models") }
        let harness = try await FleetHarness(extraPublisher: extraPublisher)
        try await harness.start()
        let work = harness.directory
        let probe = try TestModels.goldenProbe()
        try await harness.publish(TestModels.a, name: "m", version: "A", probe: probe)
        let token = try await harness.enrollmentToken()
        try await harness.deploy("to-a", name: "m", version: "A")
        let dataDir = work.appendingPathComponent("device")
        let agent = try AgentProcess(harness: harness, dataDir: dataDir, token: token, deviceID: "dev-1")
        _ = try await agent.waitForPort()
        try await agent.waitServing("A")
        await agent.stop()
        let snapshot = work.appendingPathComponent("snapshot-A")
        try FileManager.default.copyItem(at: dataDir, to: snapshot)
        return Fixture(harness: harness, work: work, snapshotA: snapshot)
    }

    static func restore(_ snapshot: URL, to dir: URL) throws {
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.copyItem(at: snapshot, to: dir)
    }

    func testKillNineAtEveryPointOfAnUpdateLeavesAWorkingModelAndConverges() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.harness.stop() } }
        let h = f.harness
        let b = try TestModels.variant(of: TestModels.a, into: f.work, named: "B", damage: false)
        try await h.publish(b, name: "m", version: "B", probe: try TestModels.goldenProbe())
        try await h.deploy("to-b", name: "m", version: "B", previous: "A")
        let dataDir = f.work.appendingPathComponent("device")
        let points = ["download-start", "download-half", "download-done", "verify-start", "verify-done", "stage-moved",
                      "stage-done", "switch-before", "switch-after", "health-start", "health-done", "commit-before"]
        var firstServed: [String: String] = [:]
        for point in points {
            try Self.restore(f.snapshotA, to: dataDir)
            let crashing = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID, crashAt: point)
            let reason = try await crashing.waitExit(timeout: 90)
            XCTAssertEqual(reason, .uncaughtSignal, "\(point): the agent was not killed there: \(crashing.output.suffix(800))")
            // Restarted: it must serve a complete model at once (the old or the new), then converge to B.
            let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID)
            _ = try await agent.waitForPort()
            var served: String?
            for _ in 0..<300 where served == nil {
                if await agent.complete() == 200 { served = agent.activeVersion }
                else { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            XCTAssertTrue(served == "A" || served == "B", "\(point): after restart it served \(served ?? "nothing")")
            firstServed[point] = served
            try await agent.waitServing("B", timeout: 90)
            await agent.stop()
        }
        XCTAssertEqual(firstServed.count, points.count)
    }

    func testAFailingHealthCheckRollsBackAndIsReported() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.harness.stop() } }
        let h = f.harness
        let bad = try TestModels.variant(of: TestModels.a, into: f.work, named: "Bad", damage: true)
        try await h.publish(bad, name: "m", version: "Bad", probe: try TestModels.goldenProbe())
        try await h.deploy("to-bad", name: "m", version: "Bad", previous: "A")
        let dataDir = f.work.appendingPathComponent("device")
        try Self.restore(f.snapshotA, to: dataDir)
        // Killed in the middle of the rollback, then restarted: still back on A.
        let crashing = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID, crashAt: "rollback-before")
        let exit = try await crashing.waitExit(timeout: 90)
        XCTAssertEqual(exit, .uncaughtSignal, crashing.output.suffix(800).description)
        let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID)
        _ = try await agent.waitForPort()
        do {
            try await waitFor("a rolled_back report") {
                try await h.updateReports(device: f.deviceID).contains { ($0["outcome"] as? String) == "rolled_back" }
            }
        } catch {
            XCTFail("crashing run: \(crashing.output.suffix(1500))\nrestarted: \(agent.output.suffix(3000))\nreports: \(try await h.updateReports(device: f.deviceID))")
            throw error
        }
        try await agent.waitServing("A")
        let reports = try await h.updateReports(device: f.deviceID)
        let rolled = try XCTUnwrap(reports.first { ($0["outcome"] as? String) == "rolled_back" })
        XCTAssertEqual(rolled["code"] as? String, "health_check_failed")
        XCTAssertEqual(rolled["version"] as? String, "Bad")
        XCTAssertTrue((rolled["reason"] as? String ?? "").contains("does not start with"), "\(rolled)")
        // The failed artifact is not retried on later polls.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        XCTAssertEqual(agent.activeVersion, "A")
        XCTAssertEqual(agent.state?.failedArtifacts.count, 1)
        await agent.stop()
    }

    func testRejectedUpdatesAreReportedWithTheirReasonWhileTheOldModelServes() async throws {
        let other = SigningKey.generate()
        let f = try await Self.fixture(extraPublisher: other)
        defer { Task { await f.harness.stop() } }
        let h = f.harness
        let dataDir = f.work.appendingPathComponent("device")
        let probe = try TestModels.goldenProbe()

        func expectRejected(_ version: String, code: String, file: URL, setup: () async throws -> Void) async throws {
            try await setup()
            try await h.deploy("to-\(version)", name: "m", version: version, previous: "A")
            try Self.restore(f.snapshotA, to: dataDir)
            let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID)
            _ = try await agent.waitForPort()
            try await waitFor("a \(code) report for \(version)") {
                try await h.updateReports(device: f.deviceID).contains {
                    ($0["version"] as? String) == version && ($0["code"] as? String) == code && ($0["outcome"] as? String) == "rejected"
                }
            }
            let status = await agent.complete()
            XCTAssertEqual(status, 200, "\(version): the old model stopped serving")
            XCTAssertEqual(agent.activeVersion, "A", version)
            await agent.stop()
        }

        // A byte of the stored artifact changed after publication.
        let t = try TestModels.variant(of: TestModels.a, into: f.work, named: "T", damage: false)
        try await expectRejected("T", code: "digest_mismatch", file: t) {
            try await h.publish(t, name: "m", version: "T", probe: probe)
            try h.tamperArtifact(version: "T", fileName: t.lastPathComponent) { $0[$0.count / 2] ^= 0x01 }
        }
        // Signed by a key the control plane accepts but the device does not trust.
        let w = try TestModels.variant(of: TestModels.a, into: f.work, named: "W", damage: false)
        try await expectRejected("W", code: "untrusted_signer", file: w) {
            try await h.publish(w, name: "m", version: "W", probe: probe, signer: other)
        }
        // A manifest that expired after it was published.
        let e = try TestModels.variant(of: TestModels.a, into: f.work, named: "E", damage: false)
        try await expectRejected("E", code: "expired", file: e) {
            try await h.publish(e, name: "m", version: "E", probe: probe, validFor: 2)
            try await Task.sleep(nanoseconds: 2_500_000_000)
        }
        // The artifact store serves fewer bytes than signed.
        let c = try TestModels.variant(of: TestModels.a, into: f.work, named: "C", damage: false)
        try await expectRejected("C", code: "truncated_download", file: c) {
            try await h.publish(c, name: "m", version: "C", probe: probe)
            try h.tamperArtifact(version: "C", fileName: c.lastPathComponent) { $0 = $0.prefix($0.count - 4096) }
        }
    }

    func testAnUpdateThatCannotFitOnDiskIsRefusedBeforeItStarts() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.harness.stop() } }
        let h = f.harness
        let mount = f.work.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        // A file system just big enough for A and its state: B cannot fit beside it.
        guard Self.shell("mount -t tmpfs -o size=150m tmpfs '\(mount.path)'") == 0 else {
            throw XCTSkip("cannot mount a small tmpfs here")
        }
        // Lazy: detached even while the agent process still holds a file there, so no mount outlives the test.
        defer { _ = Self.shell("umount -l '\(mount.path)'") }
        let dataDir = mount.appendingPathComponent("device")
        try Self.restore(f.snapshotA, to: dataDir)
        let b = try TestModels.variant(of: TestModels.a, into: f.work, named: "B", damage: false)
        try await h.publish(b, name: "m", version: "B", probe: try TestModels.goldenProbe())
        try await h.deploy("to-b", name: "m", version: "B", previous: "A")
        let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID)
        _ = try await agent.waitForPort()
        try await waitFor("an insufficient_disk report") {
            try await h.updateReports(device: f.deviceID).contains { ($0["code"] as? String) == "insufficient_disk" }
        }
        let status = await agent.complete()
        XCTAssertEqual(status, 200)
        XCTAssertEqual(agent.activeVersion, "A")
        // Nothing was downloaded.
        let staged = try FileManager.default.contentsOfDirectory(atPath: dataDir.appendingPathComponent("staging").path)
        XCTAssertEqual(staged, [])
        await agent.stop()
    }

    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass.
func waitFor(_ what: String, timeout: Double = 60, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
    throw HarnessError("timed out waiting for \(what)")
}

extension AgentUpdateTests {
    func testAReplayedOlderDesiredStateIsRejectedAndReported() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.harness.stop() } }
        let h = f.harness
        let proxy = ReplayProxy(upstream: h.baseURL)
        let proxyPort = try FleetHarness.freePort()
        let dataDir = f.work.appendingPathComponent("device")
        try Self.restore(f.snapshotA, to: dataDir)
        let app = proxy.application(port: proxyPort)
        let running = Task { try await app.runService() }
        defer { running.cancel() }
        try await Task.sleep(nanoseconds: 200_000_000)
        let agent = try AgentProcess(harness: h, dataDir: dataDir, token: nil, deviceID: f.deviceID,
                                     controlPlaneURL: "http://127.0.0.1:\(proxyPort)")
        _ = try await agent.waitForPort()
        // Let it accept a few fresh states, then replay the first one it saw.
        try await waitFor("a few accepted states") { (agent.state?.lastAcceptedSequence ?? 0) > 0 && proxy.replays == 0 }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let accepted = try XCTUnwrap(agent.state?.lastAcceptedSequence)
        proxy.startReplaying()
        try await waitFor("a stale_sequence report") {
            try await h.updateReports(device: f.deviceID).contains { ($0["code"] as? String) == "stale_sequence" }
        }
        XCTAssertGreaterThan(proxy.replays, 0)
        XCTAssertGreaterThanOrEqual(agent.state?.lastAcceptedSequence ?? 0, accepted, "a replay moved the sequence back")
        let status = await agent.complete()
        XCTAssertEqual(status, 200)
        XCTAssertEqual(agent.activeVersion, "A")
        await agent.stop()
    }
}
