import DeviceAgent
import FleetCore
import Foundation
import GGUF
import TestSupport
import XCTest

/// The real health check: the runtime loads the model and must continue a golden prompt as llama.cpp did.
final class HealthCheckTests: XCTestCase {
    static var model: URL { TestPaths.modelsDir.appendingPathComponent(TestPaths.Reference.smollm2.modelFile) }

    /// The golden greedy continuation of the first prompt (produced by llama.cpp), cut to a safe prefix.
    static func goldenProbe() throws -> HealthProbe {
        let url = TestPaths.goldenDir.appendingPathComponent(TestPaths.Reference.smollm2.goldenFile)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let first = try XCTUnwrap((json["greedy"] as? [[String: Any]])?.first)
        let prompt = try XCTUnwrap(first["prompt"] as? String)
        let text = try XCTUnwrap(first["text"] as? String)
        return HealthProbe(prompt: prompt, expectedPrefix: String(text.prefix(6)), maxTokens: 4, maxLatencyMs: 30_000)
    }

    func testTheReferenceModelPassesItsGoldenProbe() async throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.model.path), "run scripts/fetch-models")
        let report = await ModelHealthChecker().check(modelPath: Self.model, probe: try Self.goldenProbe())
        XCTAssertTrue(report.passed, report.reason)
        XCTAssertTrue(report.output.hasPrefix(" Paris"), report.output)
    }

    func testAModelWithDamagedWeightsFailsIt() async throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.model.path), "run scripts/fetch-models")
        let file = try GGUFFile(path: Self.model.path)
        let norm = try XCTUnwrap(file.tensor(named: "output_norm.weight"))
        var bytes = try Data(contentsOf: Self.model)
        // A valid file whose final norm is zero: every logit is equal, the output is nonsense.
        let start = file.dataOffset + norm.offset
        bytes.replaceSubrange(start..<(start + norm.byteCount), with: Data(count: norm.byteCount))
        let damaged = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString).gguf")
        try bytes.write(to: damaged)
        defer { try? FileManager.default.removeItem(at: damaged) }
        let report = await ModelHealthChecker().check(modelPath: damaged, probe: try Self.goldenProbe())
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.reason.contains("does not start with"), report.reason)
    }

    func testAFileThatIsNotAModelFailsIt() async throws {
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).gguf")
        try Data("GGUF but not really".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let report = await ModelHealthChecker().check(modelPath: junk, probe: nil)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.reason.hasPrefix("model failed"), report.reason)
    }

    func testASlowModelFailsTheLatencyBound() async throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.model.path), "run scripts/fetch-models")
        var probe = try Self.goldenProbe()
        probe.maxLatencyMs = 0.001
        let report = await ModelHealthChecker().check(modelPath: Self.model, probe: probe)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.reason.contains("bound"), report.reason)
    }
}
