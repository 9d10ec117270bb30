import Routing
import XCTest

/// Each rule wins over the later ones; restricted beats everything.
final class PolicyOrderTests: XCTestCase {
    let policy = Fixtures.policy()

    func decide(_ request: RoutingRequest, _ classification: ClassificationSummary = .clean,
                local: LocalState = Fixtures.idle, cloud: CloudState = Fixtures.freeCloud) -> RoutingDecision {
        policy.decide(request: request, classification: classification, local: local, cloud: cloud)
    }

    func testSimpleRequestStaysOnEdgeWithCloudFallback() {
        let decision = decide(Fixtures.request(Fixtures.simple))
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .defaultEdge)
        XCTAssertEqual(decision.fallbackPlan, [.edge, .cloud(upstream: "primary"), .cloud(upstream: "secondary")])
        XCTAssertFalse(decision.redact)
    }

    func testCallerRestrictedBeatsEveryOtherRule() {
        // Context overflow aside, every cloud-favouring condition at once: complex, slow queue, overloaded.
        let local = LocalState(contextSize: 4096, estimatedQueueWaitMs: 10_000, isHealthy: true, isOverloaded: false)
        let decision = decide(Fixtures.request(Fixtures.complex, caller: .restricted, sloMs: 100), local: local)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .restrictedData)
        XCTAssertTrue(decision.edgeOnly)
        XCTAssertEqual(decision.fallbackPlan, [.edge])
        XCTAssertEqual(decision.classification.dataClass, .restricted)
    }

    func testDetectedEntitiesWithoutRedactionAreRestricted() {
        let found = ClassificationSummary(dataClass: .restricted, entityTypes: [.email, .phone])
        let decision = decide(Fixtures.request(Fixtures.complex), found)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .restrictedData)
        XCTAssertTrue(decision.explanation.contains("email, phone"))
    }

    func testRestrictedWithEdgeDownFailsClosed() {
        for local in [LocalState(contextSize: 4096, isHealthy: false), LocalState(contextSize: 4096, isOverloaded: true)] {
            let decision = decide(Fixtures.request(Fixtures.simple, caller: .restricted), local: local)
            guard case .reject(let status, let code, _) = decision.target else { return XCTFail("\(decision.target)") }
            XCTAssertEqual(status, 503)
            XCTAssertEqual(code, "restricted_edge_unavailable")
            XCTAssertEqual(decision.reason, .restrictedEdgeUnavailable)
            XCTAssertEqual(decision.fallbackPlan, [])
            XCTAssertEqual(decision.apiError?.status, 503)
        }
    }

    func testRestrictedTooLongForEdgeIsRejectedNotSentUp() {
        let decision = decide(Fixtures.request(Fixtures.simple, maxTokens: 5000, caller: .restricted))
        guard case .reject(let status, let code, _) = decision.target else { return XCTFail("\(decision.target)") }
        XCTAssertEqual(status, 400)
        XCTAssertEqual(code, "context_length_exceeded")
        XCTAssertFalse(decision.fallbackPlan.contains { $0.isCloud })
    }

    func testContextOverflowGoesToCloudAndBeatsComplexity() {
        let decision = decide(Fixtures.request(Fixtures.complex, maxTokens: 5000))
        XCTAssertEqual(decision.target, .cloud(upstream: "primary"))
        XCTAssertEqual(decision.reason, .contextOverflow)
        // The edge cannot hold it, so it is not a fallback.
        XCTAssertEqual(decision.fallbackPlan, [.cloud(upstream: "primary"), .cloud(upstream: "secondary")])
    }

    func testContextOverflowWithCloudDisallowedIs400() {
        let policy = Fixtures.policy(Fixtures.config(allowCloud: false))
        let decision = policy.decide(request: Fixtures.request(Fixtures.simple, maxTokens: 5000), classification: .clean,
                                     local: Fixtures.idle, cloud: Fixtures.freeCloud)
        guard case .reject(let status, let code, _) = decision.target else { return XCTFail("\(decision.target)") }
        XCTAssertEqual(status, 400)
        XCTAssertEqual(code, "context_length_exceeded")
        XCTAssertEqual(decision.reason, .contextOverflow)
        XCTAssertEqual(decision.apiError?.code, "context_length_exceeded")
    }

    func testComplexityBeatsLatency() {
        let slow = LocalState(contextSize: 4096, estimatedQueueWaitMs: 5000)
        let decision = decide(Fixtures.request(Fixtures.complex, sloMs: 100), local: slow)
        XCTAssertEqual(decision.target, .cloud(upstream: "primary"))
        XCTAssertEqual(decision.reason, .complexity)
        XCTAssertGreaterThanOrEqual(decision.complexity.score, decision.complexity.threshold)
        XCTAssertEqual(decision.fallbackPlan.first(where: { !$0.isCloud }), .edge)
    }

    func testLatencySLOFromRequestOrConfigDefault() {
        let slow = LocalState(contextSize: 4096, estimatedQueueWaitMs: 1500)
        XCTAssertEqual(decide(Fixtures.request(Fixtures.simple, sloMs: 1000), local: slow).reason, .latencySLO)
        XCTAssertEqual(decide(Fixtures.request(Fixtures.simple, sloMs: 2000), local: slow).reason, .defaultEdge)
        let withDefault = Fixtures.policy(Fixtures.config(sloMs: 1000))
        let decision = withDefault.decide(request: Fixtures.request(Fixtures.simple), classification: .clean, local: slow,
                                          cloud: Fixtures.freeCloud)
        XCTAssertEqual(decision.reason, .latencySLO)
        // The request's own objective overrides the default.
        let relaxed = withDefault.decide(request: Fixtures.request(Fixtures.simple, sloMs: 5000), classification: .clean,
                                         local: slow, cloud: Fixtures.freeCloud)
        XCTAssertEqual(relaxed.reason, .defaultEdge)
    }

    func testLatencyBeatsLocalOverload() {
        let local = LocalState(contextSize: 4096, estimatedQueueWaitMs: 5000, isOverloaded: true)
        XCTAssertEqual(decide(Fixtures.request(Fixtures.simple, sloMs: 100), local: local).reason, .latencySLO)
    }

    func testLocalOverloadOrFailureGoesToCloudWithoutEdgeFallback() {
        let overloaded = decide(Fixtures.request(Fixtures.simple), local: LocalState(contextSize: 4096, isOverloaded: true))
        XCTAssertEqual(overloaded.reason, .localOverload)
        XCTAssertEqual(overloaded.target, .cloud(upstream: "primary"))
        XCTAssertFalse(overloaded.fallbackPlan.contains(.edge))
        let down = decide(Fixtures.request(Fixtures.simple), local: LocalState(contextSize: 4096, isHealthy: false))
        XCTAssertEqual(down.reason, .localUnavailable)
        XCTAssertEqual(down.target, .cloud(upstream: "primary"))
    }

    func testBudgetExhaustedStaysOnEdge() {
        let spent = CloudState(budget: BudgetSnapshot(day: "2025-11-30", tokensUsed: 10_000, tokenCap: 10_000))
        let decision = decide(Fixtures.request(Fixtures.complex), cloud: spent)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .budgetExhausted)
        XCTAssertEqual(decision.fallbackPlan, [.edge])
        // A request that would cross the cap also stays.
        let nearly = CloudState(budget: BudgetSnapshot(day: "2025-11-30", tokensUsed: 9_990, tokenCap: 10_000))
        XCTAssertEqual(decide(Fixtures.request(Fixtures.complex), cloud: nearly).reason, .budgetExhausted)
    }

    func testCostCapUsesUpstreamPrices() {
        var budget = BudgetSettings(dailyCost: 1.0)
        budget.prices["primary"] = TokenPrice(promptPer1K: 100, completionPer1K: 100)  // too dear for one call
        let policy = Fixtures.policy(Fixtures.config(budget: budget))
        let cloud = CloudState(budget: BudgetSnapshot(day: "2025-11-30", costCap: 1.0))
        let decision = policy.decide(request: Fixtures.request(Fixtures.complex), classification: .clean,
                                     local: Fixtures.idle, cloud: cloud)
        XCTAssertEqual(decision.target, .cloud(upstream: "secondary"))  // free, so within the cap
    }

    func testCircuitOpenStaysOnEdgeOrUsesNextUpstream() {
        let onlyPrimaryOpen = CloudState(openCircuits: ["primary"], budget: .unlimited())
        XCTAssertEqual(decide(Fixtures.request(Fixtures.complex), cloud: onlyPrimaryOpen).target,
                       .cloud(upstream: "secondary"))
        let allOpen = CloudState(openCircuits: ["primary", "secondary"], budget: .unlimited())
        let decision = decide(Fixtures.request(Fixtures.complex), cloud: allOpen)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .circuitOpen)
        XCTAssertEqual(decision.fallbackPlan, [.edge])
    }

    func testCircuitOpenAndTooLongForEdgeIs503() {
        let allOpen = CloudState(openCircuits: ["primary", "secondary"], budget: .unlimited())
        let decision = decide(Fixtures.request(Fixtures.simple, maxTokens: 5000), cloud: allOpen)
        XCTAssertEqual(decision.target, .reject(status: 503, code: "upstream_unavailable", message: decision.explanation))
    }

    func testCloudDisabledKeepsComplexRequestsLocal() {
        let policy = Fixtures.policy(Fixtures.config(allowCloud: false))
        let decision = policy.decide(request: Fixtures.request(Fixtures.complex), classification: .clean,
                                     local: Fixtures.idle, cloud: Fixtures.freeCloud)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertEqual(decision.reason, .cloudDisabled)
        XCTAssertEqual(decision.fallbackPlan, [.edge])
    }

    func testLocalDownAndCloudDisabledIs503() {
        let policy = Fixtures.policy(Fixtures.config(allowCloud: false))
        let decision = policy.decide(request: Fixtures.request(Fixtures.simple), classification: .clean,
                                     local: LocalState(contextSize: 4096, isHealthy: false), cloud: Fixtures.freeCloud)
        guard case .reject(503, "no_target_available", _) = decision.target else { return XCTFail("\(decision.target)") }
        XCTAssertEqual(decision.reason, .localUnavailable)
    }

    func testModelMappingSelectsUpstreams() {
        var config = Fixtures.config()
        config.upstreams = [Fixtures.upstream("other", models: ["llama": "gpt-x"]),
                            Fixtures.upstream("mapped", models: ["smollm2": "gpt-4o-mini"])]
        let policy = Fixtures.policy(config)
        let decision = policy.decide(request: Fixtures.request(Fixtures.complex), classification: .clean,
                                     local: Fixtures.idle, cloud: Fixtures.freeCloud)
        XCTAssertEqual(decision.target, .cloud(upstream: "mapped"))
        XCTAssertEqual(config.upstream(named: "mapped")?.upstreamModel(for: "smollm2"), "gpt-4o-mini")
        config.upstreams = [Fixtures.upstream("other", models: ["llama": "gpt-x"])]
        let none = Fixtures.policy(config).decide(request: Fixtures.request(Fixtures.complex), classification: .clean,
                                                  local: Fixtures.idle, cloud: Fixtures.freeCloud)
        XCTAssertEqual(none.reason, .noUpstream)
        XCTAssertEqual(none.target, .edge)
    }

    func testDecideWithLiveStateReadsBreakersAndBudget() throws {
        let clock = ManualClock()
        let config = Fixtures.config(budget: BudgetSettings(dailyCloudTokens: 100_000))
        let breakers = CircuitBreakerRegistry(upstreams: config.upstreams, clock: clock)
        let budget = try BudgetTracker(settings: config.budget, clock: clock)
        let policy = RoutingPolicy(config: config, breakers: breakers, budget: budget)
        let request = Fixtures.request(Fixtures.complex)
        XCTAssertEqual(policy.decide(request: request, classification: .clean, local: Fixtures.idle, now: clock.now()).target,
                       .cloud(upstream: "primary"))
        for _ in 0..<5 { breakers["primary"]?.recordFailure() }
        XCTAssertEqual(policy.decide(request: request, classification: .clean, local: Fixtures.idle, now: clock.now()).target,
                       .cloud(upstream: "secondary"))
        try budget.record(upstream: "secondary", promptTokens: 99_990, completionTokens: 10)
        let decision = policy.decide(request: request, classification: .clean, local: Fixtures.idle, now: clock.now())
        XCTAssertEqual(decision.reason, .budgetExhausted)
    }

    func testDecisionIsDeterministic() {
        let request = Fixtures.request(Fixtures.longPrompt, maxTokens: 256)
        XCTAssertEqual(decide(request), decide(request))
    }
}
