import Planning
import Routing
import Server
import XCTest

/// Each branch of the decision framework, the crossover arithmetic, and the router snippet parsed by
/// the server's own config reader.
final class EdgeCloudPlannerTests: XCTestCase {
    private let small = LocalVariant(name: "small", path: "models/small.gguf", parameterCount: 135_000_000, memoryBytes: 300 << 20)
    private let medium = LocalVariant(name: "medium", path: "models/medium.gguf", parameterCount: 500_000_000, memoryBytes: 900 << 20)

    private func input(_ configure: (inout PlanInput) -> Void) -> PlanInput {
        var i = PlanInput(variants: [small, medium])
        configure(&i)
        return i
    }

    // MARK: crossover arithmetic

    func testCrossoverArithmetic() throws {
        // 1,000,000 tokens/day at 0.002 per 1k: 1e6 × 30 / 1000 × 0.002 = 60 per month.
        // A 720 device over 36 months: 20 per month. Crossover: 20 / (30 × 0.002 / 1000) = 333,333.3 tokens/day.
        let e = try Economics(tokensPerDay: 1_000_000, cloudPricePer1K: 0.002, deviceCost: 720, amortizeMonths: 36)
        XCTAssertEqual(e.cloudMonthly, 60, accuracy: 1e-9)
        XCTAssertEqual(e.deviceMonthly, 20, accuracy: 1e-9)
        XCTAssertEqual(e.crossoverTokensPerDay, 333_333.333, accuracy: 0.001)
        XCTAssertEqual(e.cheaper, .edge)
        XCTAssertEqual(e.arithmetic, [
            "cloud:  1000000 tokens/day × 30 / 1000 × 0.002 = 60.00 per month",
            "device: 720 / 36 months = 20.00 per month",
            "crossover: 20.00 / (30 × 0.002 / 1000) = 333333 tokens/day",
        ])
        // Below the crossover the cloud is cheaper: 100,000 tokens/day → 6 per month.
        let low = try Economics(tokensPerDay: 100_000, cloudPricePer1K: 0.002, deviceCost: 720, amortizeMonths: 36)
        XCTAssertEqual(low.cloudMonthly, 6, accuracy: 1e-9)
        XCTAssertEqual(low.cheaper, .cloud)
    }

    func testInvalidEconomicsAreTypedErrors() {
        XCTAssertThrowsError(try Economics(tokensPerDay: 1, cloudPricePer1K: 0, deviceCost: 1, amortizeMonths: 1))
        XCTAssertThrowsError(try Economics(tokensPerDay: -1, cloudPricePer1K: 1, deviceCost: 1, amortizeMonths: 1))
        XCTAssertThrowsError(try Economics(tokensPerDay: 1, cloudPricePer1K: 1, deviceCost: 1, amortizeMonths: 0))
        XCTAssertThrowsError(try EdgeCloudPlanner.plan(input { $0.latencySLOMilliseconds = -5 }))
    }

    // MARK: latency

    func testLatencyThresholds() {
        XCTAssertEqual(EdgeCloudPlanner.latencyVerdict(149), .edge)
        XCTAssertEqual(EdgeCloudPlanner.latencyVerdict(150), .hybrid)
        XCTAssertEqual(EdgeCloudPlanner.latencyVerdict(500), .hybrid)
        XCTAssertEqual(EdgeCloudPlanner.latencyVerdict(501), .cloud)
    }

    func testUnder150msIsEdge() throws {
        let plan = try EdgeCloudPlanner.plan(input { $0.latencySLOMilliseconds = 100; $0.task = .classification })
        XCTAssertEqual(plan.recommendation, .edge)
        XCTAssertEqual(plan.capable, true)
        try assertParses(plan, allowCloud: false)
    }

    func testBetween150And500msIsHybrid() throws {
        let plan = try EdgeCloudPlanner.plan(input { $0.latencySLOMilliseconds = 300; $0.task = .qa })
        XCTAssertEqual(plan.recommendation, .hybrid)
        let config = try assertParses(plan, allowCloud: true)
        XCTAssertEqual(config.defaultLatencySLOMs, 300)
        XCTAssertEqual(config.complexity.threshold, 3.0)
    }

    func testAbove500msFollowsTheEconomics() throws {
        let cheapCloud = try EdgeCloudPlanner.plan(input {
            $0.latencySLOMilliseconds = 2000; $0.tokensPerDay = 100_000; $0.cloudPricePer1K = 0.002; $0.deviceCost = 720
        })
        XCTAssertEqual(cheapCloud.recommendation, .cloud)
        let config = try assertParses(cheapCloud, allowCloud: true)
        XCTAssertEqual(config.complexity.threshold, 0)          // every request escalates
        XCTAssertEqual(config.budget.dailyCloudTokens, 100_000)
        let cheapEdge = try EdgeCloudPlanner.plan(input {
            $0.latencySLOMilliseconds = 2000; $0.tokensPerDay = 1_000_000; $0.cloudPricePer1K = 0.002; $0.deviceCost = 720
        })
        XCTAssertEqual(cheapEdge.recommendation, .edge)
        XCTAssertTrue(cheapEdge.reasons.contains { $0.contains("crossover 333333 tokens/day") })
        let unknown = try EdgeCloudPlanner.plan(input { $0.latencySLOMilliseconds = 2000 })
        XCTAssertEqual(unknown.recommendation, .hybrid)
    }

    // MARK: data class

    func testRestrictedDataStaysOnTheEdgeWhateverElse() throws {
        let plan = try EdgeCloudPlanner.plan(input {
            $0.dataClass = .restricted; $0.latencySLOMilliseconds = 2000; $0.task = .reasoning
            $0.tokensPerDay = 1000; $0.cloudPricePer1K = 0.002; $0.deviceCost = 720
        })
        XCTAssertEqual(plan.recommendation, .edge)
        XCTAssertTrue(plan.reasons[0].contains("restricted"))
        try assertParses(plan, allowCloud: false)
        let tiny = try EdgeCloudPlanner.plan(input { $0.dataClass = .restricted; $0.deviceRAMBytes = 100 << 20 })
        XCTAssertEqual(tiny.recommendation, .edge)
        XCTAssertTrue(tiny.reasons.contains { $0.contains("on-premise") })
    }

    // MARK: capability

    func testReasoningNeedsALargerModel() throws {
        let relaxed = try EdgeCloudPlanner.plan(input { $0.task = .reasoning })
        XCTAssertEqual(relaxed.capable, false)
        XCTAssertEqual(relaxed.recommendation, .cloud)
        let fast = try EdgeCloudPlanner.plan(input { $0.task = .code; $0.latencySLOMilliseconds = 100 })
        XCTAssertEqual(fast.recommendation, .hybrid)
        let config = try assertParses(fast, allowCloud: true)
        XCTAssertEqual(config.complexity.threshold, 1.5)
    }

    // MARK: device fit

    func testDeviceRAMPicksTheLargestVariantThatFits() throws {
        // 1 GiB × 0.8 = 819 MiB: the 900 MiB variant does not fit, the 300 MiB one does.
        let plan = try EdgeCloudPlanner.plan(input { $0.deviceRAMBytes = 1 << 30; $0.latencySLOMilliseconds = 100 })
        XCTAssertEqual(plan.variant, small)
        XCTAssertTrue(plan.routerConfig.contains("path: \"models/small.gguf\""))
        // 2 GiB: both fit; the larger model is chosen.
        XCTAssertEqual(try EdgeCloudPlanner.plan(input { $0.deviceRAMBytes = 2 << 30 }).variant, medium)
        // 256 MiB: nothing fits → cloud even under 150 ms, with the reason.
        let none = try EdgeCloudPlanner.plan(input { $0.deviceRAMBytes = 256 << 20; $0.latencySLOMilliseconds = 100 })
        XCTAssertNil(none.variant)
        XCTAssertEqual(none.recommendation, .cloud)
        XCTAssertTrue(none.reasons.contains { $0.contains("no variant fits") })
    }

    /// The snippet must be a complete `serve --config` file the server accepts.
    @discardableResult
    private func assertParses(_ plan: Plan, allowCloud: Bool, file: StaticString = #filePath, line: UInt = #line) throws -> RoutingConfig {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: plan.routerConfig, baseDirectory: "/")
        let routing = try XCTUnwrap(configuration.routing, file: file, line: line)
        XCTAssertEqual(routing.allowCloud, allowCloud, file: file, line: line)
        XCTAssertEqual(routing.upstreams.count, allowCloud ? 1 : 0, file: file, line: line)
        XCTAssertEqual(configuration.models.count, 1, file: file, line: line)
        return routing
    }
}
