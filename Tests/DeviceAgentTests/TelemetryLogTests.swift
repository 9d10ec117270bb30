import DeviceAgent
import Foundation
import XCTest

final class TelemetryLogTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-tlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func payload(_ i: Int) -> Data { Data("{\"record\":\(i)}".utf8) }

    func testRecordsSurviveReopenInOrder() throws {
        let dir = try tempDir()
        do {
            let log = try TelemetryLog(directory: dir)
            for i in 1...25 { XCTAssertEqual(try log.append(payload(i)), UInt64(i)) }
        }
        let log = try TelemetryLog(directory: dir)
        XCTAssertEqual(log.lastSequence, 25)
        XCTAssertEqual(log.pendingCount, 25)
        let (batch, records) = try XCTUnwrap(try log.nextBatch(limit: 10, keyPrefix: "dev"))
        XCTAssertEqual(records.map(\.sequence), Array(1...10).map(UInt64.init))
        XCTAssertEqual(records[3].payload, payload(4))
        XCTAssertEqual(batch.first, 1)
        XCTAssertEqual(batch.last, 10)
    }

    func testTornTailIsCutAtTheLastGoodRecord() throws {
        let dir = try tempDir()
        do {
            let log = try TelemetryLog(directory: dir)
            for i in 1...3 { try log.append(payload(i)) }
        }
        let segment = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("seg-") })
        let url = dir.appendingPathComponent(segment)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        // Half a frame, as a crash in the middle of a write leaves it.
        try handle.write(contentsOf: [40, 0, 0, 0, 1, 2, 3, 4, 4, 0])
        try handle.close()
        let sizeBefore = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let log = try TelemetryLog(directory: dir)
        XCTAssertEqual(log.lastSequence, 3)
        let sizeAfter = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        XCTAssertEqual(sizeAfter, sizeBefore - 10)
        XCTAssertEqual(try log.append(payload(4)), 4)
        let (_, records) = try XCTUnwrap(try log.nextBatch(limit: 100, keyPrefix: "dev"))
        XCTAssertEqual(records.map(\.payload), (1...4).map(payload))
    }

    func testACorruptedRecordEndsTheReadableLog() throws {
        let dir = try tempDir()
        do {
            let log = try TelemetryLog(directory: dir)
            for i in 1...5 { try log.append(payload(i)) }
        }
        let segment = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("seg-") })
        let url = dir.appendingPathComponent(segment)
        var bytes = try Data(contentsOf: url)
        // Flip one payload byte of the third record: its checksum no longer matches.
        let frame = 16 + payload(1).count
        bytes[2 * frame + 16 + 3] ^= 0x20
        try bytes.write(to: url)
        let log = try TelemetryLog(directory: dir)
        XCTAssertEqual(log.lastSequence, 2)
    }

    func testInFlightBatchIsResentWithTheSameKeyAfterARestart() throws {
        let dir = try tempDir()
        let first: TelemetryLog.Batch
        do {
            let log = try TelemetryLog(directory: dir)
            for i in 1...6 { try log.append(payload(i)) }
            first = try XCTUnwrap(try log.nextBatch(limit: 4, keyPrefix: "dev")).0
            // Crash before the acknowledgement; more records arrive after the restart.
        }
        let log = try TelemetryLog(directory: dir)
        for i in 7...9 { try log.append(payload(i)) }
        let (again, records) = try XCTUnwrap(try log.nextBatch(limit: 100, keyPrefix: "dev"))
        XCTAssertEqual(again, first)
        XCTAssertEqual(records.count, 4)
        try log.acknowledge(again)
        let (next, rest) = try XCTUnwrap(try log.nextBatch(limit: 100, keyPrefix: "dev"))
        XCTAssertNotEqual(next.idempotencyKey, first.idempotencyKey)
        XCTAssertEqual(rest.map(\.sequence), Array(5...9).map(UInt64.init))
        try log.acknowledge(next)
        XCTAssertNil(try log.nextBatch(limit: 100, keyPrefix: "dev"))
        XCTAssertEqual(log.pendingCount, 0)
    }

    func testCapEvictsOldestAndCountsDrops() throws {
        let dir = try tempDir()
        let log = try TelemetryLog(directory: dir, capBytes: 8192)
        let big = Data(repeating: 0x61, count: 200)
        for _ in 0..<200 { try log.append(big) }
        XCTAssertLessThanOrEqual(log.diskBytes, 8192)
        XCTAssertGreaterThan(log.droppedCount, 0)
        XCTAssertEqual(log.droppedCount + log.pendingCount, 200)
        let (_, records) = try XCTUnwrap(try log.nextBatch(limit: 1000, keyPrefix: "dev"))
        XCTAssertEqual(records.last?.sequence, 200)
        // Contiguous from the oldest kept record.
        XCTAssertEqual(records.map(\.sequence), Array(records[0].sequence...200))
        // The drop count is durable.
        let reopened = try TelemetryLog(directory: dir, capBytes: 8192)
        XCTAssertEqual(reopened.droppedCount, log.droppedCount)
    }

    func testAcknowledgedSegmentsAreDeleted() throws {
        let dir = try tempDir()
        let log = try TelemetryLog(directory: dir, capBytes: 16384)
        for i in 1...100 { try log.append(payload(i)) }
        var sent = 0
        while let (batch, records) = try log.nextBatch(limit: 30, keyPrefix: "dev") {
            sent += records.count
            try log.acknowledge(batch)
        }
        XCTAssertEqual(sent, 100)
        XCTAssertEqual(log.diskBytes, 0)
        XCTAssertEqual(try log.append(payload(101)), 101)
        let reopened = try TelemetryLog(directory: dir, capBytes: 16384)
        XCTAssertEqual(reopened.lastSequence, 101)
        XCTAssertEqual(reopened.pendingCount, 1)
    }
}
