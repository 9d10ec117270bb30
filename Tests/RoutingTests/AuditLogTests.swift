import Foundation
import Routing
import XCTest

final class AuditLogTests: XCTestCase {
    static let secret = "ZEBRA-7431-SECRET-MARKER"

    func decision(redaction: RedactionMode = .on) -> RoutingDecision {
        let request = Fixtures.request("Prove step by step and explain why \(Self.secret) and mail \(Self.secret)@example.com")
        return Fixtures.policy(Fixtures.config(redaction: redaction)).decide(
            request: request, classification: ClassificationSummary(dataClass: .restricted, entityTypes: [.email, .custom]),
            local: Fixtures.idle, cloud: Fixtures.freeCloud)
    }

    func testLineFieldsAndNoPromptText() throws {
        let decision = decision()
        XCTAssertFalse(decision.explanation.contains(Self.secret))
        let log = InMemoryAuditLog()
        let record = AuditRecord(requestID: "req-1", decision: decision, timestamp: Date(timeIntervalSince1970: 1_764_505_296.789),
                                 outcome: .success, attempts: [.cloud(upstream: "primary"), .edge], servedBy: .edge,
                                 latencyMs: 12.5)
        log.append(record)
        let line = try XCTUnwrap(log.lines.first)
        XCTAssertFalse(line.contains(Self.secret))
        XCTAssertFalse(line.contains("Prove"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["ts"] as? String, "2025-11-30T12:21:36.789Z")
        XCTAssertEqual(object["request_id"] as? String, "req-1")
        XCTAssertEqual(object["target"] as? String, "cloud")
        XCTAssertEqual(object["upstream"] as? String, "primary")
        XCTAssertEqual(object["reason"] as? String, "complexity")
        XCTAssertEqual(object["data_class"] as? String, "restricted")
        XCTAssertEqual(object["entity_types"] as? [String], ["custom", "email"])
        XCTAssertEqual(object["redacted"] as? Bool, true)
        XCTAssertEqual(object["outcome"] as? String, "success")
        XCTAssertEqual(object["attempts"] as? [String], ["cloud:primary", "edge"])
        XCTAssertEqual(object["fallbacks"] as? Int, 1)
        XCTAssertEqual(object["served_by"] as? String, "edge")
        XCTAssertEqual(object["latency_ms"] as? Double, 12.5)
        XCTAssertNotNil(object["complexity_score"] as? Double)
        XCTAssertEqual((object["complexity_features"] as? [String: Double])?["reasoning"], 3)
    }

    func testRejectionRecordHasStatusAndNoText() throws {
        let request = Fixtures.request(Self.secret, caller: .restricted)
        let decision = Fixtures.policy().decide(request: request, classification: .clean,
                                                local: LocalState(contextSize: 4096, isHealthy: false), cloud: Fixtures.freeCloud)
        let line = AuditRecord(requestID: "r", decision: decision, timestamp: Date(), outcome: .rejected, latencyMs: 0).jsonLine()
        XCTAssertFalse(line.contains(Self.secret))
        XCTAssertTrue(line.contains(#""status":503"#))
        XCTAssertTrue(line.contains(#""reason":"restricted_edge_unavailable""#))
    }

    func testFileLogAppendsWholeLinesConcurrently() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"existing\":true}\n".utf8).write(to: URL(fileURLWithPath: path))
        let decision = decision()
        do {
            let log = try FileAuditLog(path: path)
            DispatchQueue.concurrentPerform(iterations: 200) { index in
                try? log.append(AuditRecord(requestID: "req-\(index)", decision: decision, timestamp: Date(),
                                            outcome: .success, latencyMs: 1))
            }
        }
        let reopened = try FileAuditLog(path: path)
        try reopened.append(AuditRecord(requestID: "last", decision: decision, timestamp: Date(), outcome: .failed, latencyMs: 1))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(text.contains(Self.secret))
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 202)
        XCTAssertEqual(lines.first, "{\"existing\":true}")
        for line in lines {
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertTrue(lines.last?.contains(#""request_id":"last""#) ?? false)
    }

    func testOpenFailureIsTyped() {
        XCTAssertThrowsError(try FileAuditLog(path: "/nonexistent-dir/audit.jsonl")) { error in
            XCTAssertEqual((error as? AuditLogError)?.path, "/nonexistent-dir/audit.jsonl")
        }
    }
}
