import Routing
import XCTest

/// Rules 1 and 2: who may leave the device, and when redaction lets detected data out.
final class PolicyClassificationTests: XCTestCase {
    let found = ClassificationSummary(dataClass: .restricted, entityTypes: [.email])

    func decide(_ policy: RoutingPolicy, _ request: RoutingRequest, _ classification: ClassificationSummary,
                local: LocalState = Fixtures.idle) -> RoutingDecision {
        policy.decide(request: request, classification: classification, local: local, cloud: Fixtures.freeCloud)
    }

    func testRedactionOnLetsDetectedEntitiesLeaveRedacted() {
        let policy = Fixtures.policy(Fixtures.config(redaction: .on))
        let decision = decide(policy, Fixtures.request(Fixtures.complex), found)
        XCTAssertEqual(decision.target, .cloud(upstream: "primary"))
        XCTAssertEqual(decision.reason, .complexity)
        XCTAssertTrue(decision.redact)
        XCTAssertFalse(decision.edgeOnly)
        XCTAssertEqual(decision.classification.dataClass, .restricted)
        XCTAssertEqual(decision.classification.entityTypes, [.email])
    }

    func testRedactionOnEdgePrimaryStillMarksCloudFallbackRedacted() {
        let policy = Fixtures.policy(Fixtures.config(redaction: .on))
        let decision = decide(policy, Fixtures.request(Fixtures.simple), found)
        XCTAssertEqual(decision.target, .edge)
        XCTAssertTrue(decision.fallbackPlan.contains(.cloud(upstream: "primary")))
        XCTAssertTrue(decision.redact)
    }

    func testRedactNotSetWhenNothingCanLeave() {
        let policy = Fixtures.policy(Fixtures.config(allowCloud: false, redaction: .on))
        XCTAssertFalse(decide(policy, Fixtures.request(Fixtures.simple), found).redact)
    }

    func testCallerMarkedRestrictedNeverLeavesEvenWithRedaction() {
        let policy = Fixtures.policy(Fixtures.config(redaction: .on))
        for classification in [ClassificationSummary.clean, found] {
            let decision = decide(policy, Fixtures.request(Fixtures.complex, caller: .restricted), classification)
            XCTAssertEqual(decision.target, .edge)
            XCTAssertEqual(decision.reason, .restrictedData)
            XCTAssertFalse(decision.redact)
        }
    }

    func testDetectorRestrictedWithoutEntitiesCannotBeRedacted() {
        let policy = Fixtures.policy(Fixtures.config(redaction: .on))
        let decision = decide(policy, Fixtures.request(Fixtures.complex), ClassificationSummary(dataClass: .restricted))
        XCTAssertEqual(decision.target, .edge)
        XCTAssertTrue(decision.edgeOnly)
    }

    func testInternalCallerClassMayLeave() {
        let decision = decide(Fixtures.policy(), Fixtures.request(Fixtures.complex, caller: .internal), .clean)
        XCTAssertEqual(decision.target, .cloud(upstream: "primary"))
        XCTAssertEqual(decision.classification.dataClass, .internal)
    }

    /// Over every combination of local state, request shape and cloud state, an edge-only request
    /// never gets a cloud target, as primary or fallback.
    func testFallbackPlansNeverIncludeCloudForRestricted() {
        let policies = [Fixtures.policy(Fixtures.config(redaction: .off)), Fixtures.policy(Fixtures.config(redaction: .on))]
        let locals = [
            Fixtures.idle, LocalState(contextSize: 4096, estimatedQueueWaitMs: 60_000),
            LocalState(contextSize: 4096, isOverloaded: true), LocalState(contextSize: 4096, isHealthy: false),
            LocalState(contextSize: 16),
        ]
        let requests = [
            Fixtures.request(Fixtures.simple, caller: .restricted),
            Fixtures.request(Fixtures.complex, caller: .restricted, sloMs: 1),
            Fixtures.request(Fixtures.longPrompt, maxTokens: 9000, caller: .restricted),
        ]
        let clouds = [Fixtures.freeCloud, CloudState(openCircuits: ["primary"], budget: .unlimited())]
        var checked = 0
        for policy in policies {
            for local in locals {
                for request in requests {
                    for cloud in clouds {
                        for classification in [ClassificationSummary.clean, found] {
                            let decision = policy.decide(request: request, classification: classification, local: local,
                                                         cloud: cloud)
                            XCTAssertFalse(decision.target.isCloud)
                            XCTAssertFalse(decision.fallbackPlan.contains { $0.isCloud })
                            XCTAssertTrue(decision.edgeOnly)
                            checked += 1
                        }
                    }
                }
            }
        }
        // Detected-only restricted with redaction off, the same way.
        for local in locals {
            let decision = policies[0].decide(request: Fixtures.request(Fixtures.complex, maxTokens: 9000),
                                              classification: found, local: local, cloud: Fixtures.freeCloud)
            XCTAssertFalse(decision.fallbackPlan.contains { $0.isCloud })
            XCTAssertFalse(decision.target.isCloud)
        }
        XCTAssertEqual(checked, 2 * 5 * 3 * 2 * 2)
    }
}
