import Foundation
import Routing
import XCTest

final class BudgetTrackerTests: XCTestCase {
    let clock = ManualClock()  // 2025-11-30T00:00:00Z

    func tracker(_ settings: BudgetSettings) throws -> BudgetTracker { try BudgetTracker(settings: settings, clock: clock) }

    func testTokenCap() throws {
        let budget = try tracker(BudgetSettings(dailyCloudTokens: 1000))
        XCTAssertTrue(budget.canSpend(estimatedTokens: 1000))
        XCTAssertFalse(budget.canSpend(estimatedTokens: 1001))
        try budget.record(upstream: "a", promptTokens: 600, completionTokens: 300)
        XCTAssertTrue(budget.canSpend(estimatedTokens: 100))
        XCTAssertFalse(budget.canSpend(estimatedTokens: 101))
        try budget.record(upstream: "a", promptTokens: 100, completionTokens: 50)  // actual use may overshoot
        XCTAssertTrue(budget.snapshot().isExhausted)
        XCTAssertFalse(budget.canSpend(estimatedTokens: 0))
    }

    func testCostCapWithPrices() throws {
        let prices = ["a": TokenPrice(promptPer1K: 1.0, completionPer1K: 2.0)]
        let budget = try tracker(BudgetSettings(dailyCost: 5.0, prices: prices))
        let snapshot = try budget.record(upstream: "a", promptTokens: 1000, completionTokens: 1000)
        XCTAssertEqual(snapshot.costUsed, 3.0, accuracy: 1e-9)
        XCTAssertEqual(snapshot.byUpstream["a"], UpstreamSpend(promptTokens: 1000, completionTokens: 1000, cost: 3.0))
        XCTAssertTrue(budget.canSpend(estimatedTokens: 10, estimatedCost: 2.0))
        XCTAssertFalse(budget.canSpend(estimatedTokens: 10, estimatedCost: 2.01))
        try budget.record(upstream: "b", promptTokens: 1_000_000, completionTokens: 0)  // unpriced: free
        XCTAssertEqual(budget.snapshot().costUsed, 3.0, accuracy: 1e-9)
    }

    func testZeroCapForbidsCloud() throws {
        XCTAssertFalse(try tracker(BudgetSettings(dailyCost: 0)).canSpend(estimatedTokens: 1))
        XCTAssertFalse(try tracker(BudgetSettings(dailyCloudTokens: 0)).canSpend(estimatedTokens: 0))
        XCTAssertTrue(try tracker(BudgetSettings()).canSpend(estimatedTokens: Int(Int32.max)))
    }

    func testResetsAtUTCMidnight() throws {
        clock.set(Date(timeIntervalSince1970: 1_764_460_800 + 86_399))  // 2025-11-30T23:59:59Z
        let budget = try tracker(BudgetSettings(dailyCloudTokens: 100))
        try budget.record(upstream: "a", promptTokens: 100, completionTokens: 0)
        XCTAssertFalse(budget.canSpend(estimatedTokens: 1))
        XCTAssertEqual(budget.snapshot().day, "2025-11-30")
        clock.advance(1)
        XCTAssertTrue(budget.canSpend(estimatedTokens: 100))
        XCTAssertEqual(budget.snapshot(), BudgetSnapshot(day: "2025-12-01", tokenCap: 100))
        // A clock stepping back does not bring back the previous day's spend.
        clock.advance(-10)
        XCTAssertEqual(budget.snapshot().day, "2025-12-01")
    }

    func testPersistenceResumesSameDayOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = BudgetSettings(dailyCloudTokens: 1000, stateFile: directory.appendingPathComponent("b.json").path)
        let first = try tracker(settings)
        try first.record(upstream: "a", promptTokens: 400, completionTokens: 100)
        clock.advance(3600)
        let restarted = try tracker(settings)
        XCTAssertEqual(restarted.snapshot().tokensUsed, 500)
        XCTAssertEqual(restarted.snapshot().byUpstream["a"]?.promptTokens, 400)
        clock.advance(86_400)
        XCTAssertEqual(try tracker(settings).snapshot().tokensUsed, 0)
        // No stray temporary files from the atomic writes.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["b.json"])
    }

    func testCorruptStateFileIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID().uuidString).json").path
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try tracker(BudgetSettings(stateFile: path))) { error in
            XCTAssertEqual((error as? BudgetStoreError)?.path, path)
        }
    }

    func testConcurrentRecordsAreAllCounted() throws {
        let budget = try tracker(BudgetSettings())
        DispatchQueue.concurrentPerform(iterations: 1000) { index in
            _ = try? budget.record(upstream: index % 2 == 0 ? "a" : "b", promptTokens: 2, completionTokens: 1)
        }
        XCTAssertEqual(budget.snapshot().tokensUsed, 3000)
    }
}
