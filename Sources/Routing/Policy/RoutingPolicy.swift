import Foundation

/// Decides, for one request, between the edge, an upstream, or a rejection.
///
/// The rules, in this fixed order; the first that applies decides, so each wins over the later ones:
///
/// 1. **Data classification.** A request is *edge-only* when the caller marks it `restricted`
///    (header `x-outpost-data-class` or metadata `data_class`), or when the detectors found entities
///    (or judged it `restricted`) and redaction is `off`. Edge-only requests never get a cloud target,
///    not as primary and not in the fallback plan. If the edge cannot serve one (unhealthy or
///    overloaded) the decision is a 503 `restricted_edge_unavailable`; if it does not fit the local
///    context, a 400 `context_length_exceeded`: fail closed, never upstream.
/// 2. **Redaction.** With redaction `on`, a request whose only sensitivity is detected entities (the
///    caller did not mark it restricted, and the detectors found at least one entity) is not edge-only:
///    it continues through the rules below and `redact` is set, so every cloud attempt must send a
///    redacted copy. A detector verdict of `restricted` without entities cannot be redacted and stays
///    edge-only. The caller's mark always wins: caller-marked `restricted` never leaves, even with
///    redaction on.
/// 3. **Context.** Estimated prompt tokens + `max_tokens` (0 when unset) above the local context → cloud.
/// 4. **Complexity.** Score at or above the threshold → cloud.
/// 5. **Latency.** Local queue wait above the SLO (request's, else the configured default) → cloud.
/// 6. **Local failure.** Local unhealthy (`local_unavailable`) or overloaded (`local_overload`) → cloud.
///    Failures during execution follow `fallbackPlan`: a cloud primary falls back to the edge, an edge
///    primary to the cloud (except edge-only requests).
/// 7. **Gates on the cloud.** Whenever rules 3–6 want the cloud, it must also be possible: `allow_cloud`
///    (`cloud_disabled`), an upstream serving the model (`no_upstream`), a closed or probing circuit
///    (`circuit_open`), and the request's estimated tokens and cost within today's caps
///    (`budget_exhausted`). Upstreams are tried in configuration order. If the cloud is blocked the
///    request stays on the edge with the gate as its reason, or is rejected when the edge cannot serve
///    it either (400 `context_length_exceeded` when it does not fit — 503 `upstream_unavailable` if
///    only open circuits stand in the way — or 503 `no_target_available` when the edge is down).
///
/// Otherwise the request runs on the edge (`default_edge`).
public struct RoutingPolicy: Sendable {
    /// The configuration in force.
    public let config: RoutingConfig
    /// The complexity scorer built from `config.complexity`.
    public let scorer: ComplexityScorer
    /// Breakers whose state feeds `decide(request:classification:local:now:)`.
    public let breakers: CircuitBreakerRegistry
    /// Budget whose state feeds `decide(request:classification:local:now:)`.
    public let budget: BudgetTracker

    /// Creates a policy over the given live breaker and budget state.
    public init(config: RoutingConfig, breakers: CircuitBreakerRegistry, budget: BudgetTracker) {
        self.config = config
        self.scorer = ComplexityScorer(settings: config.complexity)
        self.breakers = breakers
        self.budget = budget
    }

    /// Decides using the breakers' and budget's state at `now`.
    public func decide(request: RoutingRequest, classification: ClassificationSummary, local: LocalState,
                       now: Date) -> RoutingDecision {
        let cloud = CloudState(openCircuits: breakers.refusing(at: now), budget: budget.snapshot(at: now))
        return decide(request: request, classification: classification, local: local, cloud: cloud)
    }

    /// Decides from explicit snapshots: pure and deterministic, no I/O, no clock.
    public func decide(request: RoutingRequest, classification: ClassificationSummary, local: LocalState,
                       cloud: CloudState) -> RoutingDecision {
        let promptTokens = TokenEstimator.estimate(request.input)
        let facts = Facts(
            request: request, local: local, cloud: cloud, promptTokens: promptTokens,
            complexity: scorer.score(request.input.texts, estimatedTokens: promptTokens),
            sensitivity: Sensitivity(caller: request.callerDataClass, detected: classification, redaction: config.redaction))
        if facts.sensitivity.edgeOnly { return decideEdgeOnly(facts) }
        guard let want = cloudWish(facts) else {
            return decision(facts, target: .edge, reason: .defaultEdge,
                            explanation: "No rule called for the cloud; the edge serves it.",
                            plan: [.edge] + eligibleUpstreams(facts).map { .cloud(upstream: $0) })
        }
        switch cloudChoice(facts) {
        case .success(let upstreams):
            let edge: [RoutingTarget] = facts.edgeCanServe ? [.edge] : []
            let plan = [RoutingTarget.cloud(upstream: upstreams[0])] + edge + upstreams.dropFirst().map { .cloud(upstream: $0) }
            return decision(facts, target: plan[0], reason: want.reason,
                            explanation: "\(want.explanation); sent to upstream '\(upstreams[0])'.", plan: plan)
        case .failure(let gate):
            return cloudBlocked(facts, want: want, gate: gate)
        }
    }

    private func decideEdgeOnly(_ facts: Facts) -> RoutingDecision {
        let why = facts.sensitivity.edgeOnlyExplanation
        if !facts.edgeFits {
            return reject(facts, status: 400, code: "context_length_exceeded", reason: .restrictedData,
                          message: "\(why) It needs about \(facts.neededTokens) tokens, more than the local model's "
                              + "context of \(facts.local.contextSize) tokens. Shorten the input or lower max_tokens.")
        }
        if !facts.local.canServe {
            let state = facts.local.isHealthy ? "overloaded" : "unavailable"
            return reject(facts, status: 503, code: RoutingReason.restrictedEdgeUnavailable.rawValue,
                          reason: .restrictedEdgeUnavailable,
                          message: "\(why) The local model is \(state), and this request may not be sent elsewhere.")
        }
        return decision(facts, target: .edge, reason: .restrictedData, explanation: why, plan: [.edge])
    }

    /// Rules 3–6: the first reason to prefer the cloud, if any.
    private func cloudWish(_ facts: Facts) -> (reason: RoutingReason, explanation: String)? {
        if !facts.edgeFits {
            return (.contextOverflow, "Needs about \(facts.neededTokens) tokens (prompt \(facts.promptTokens) + "
                + "max_tokens \(facts.request.maxTokens ?? 0)), more than the local context of \(facts.local.contextSize)")
        }
        if facts.complexity.isComplex {
            return (.complexity, "Complexity score \(Self.format(facts.complexity.score)) reaches the threshold "
                + "\(Self.format(facts.complexity.threshold))")
        }
        if let slo = facts.request.latencySLOMs ?? config.defaultLatencySLOMs, facts.local.estimatedQueueWaitMs > Double(slo) {
            return (.latencySLO, "Local queue wait of about \(Int(facts.local.estimatedQueueWaitMs)) ms exceeds the "
                + "latency objective of \(slo) ms")
        }
        if !facts.local.isHealthy { return (.localUnavailable, "The local model is unavailable") }
        if facts.local.isOverloaded { return (.localOverload, "The local model is overloaded") }
        return nil
    }

    /// The cloud was wanted but a gate refused: stay on the edge if it can serve, else reject.
    private func cloudBlocked(_ facts: Facts, want: (reason: RoutingReason, explanation: String),
                              gate: GateRefusal) -> RoutingDecision {
        let story = "\(want.explanation), but \(gate.explanation)"
        if facts.edgeCanServe {
            return decision(facts, target: .edge, reason: gate.reason, explanation: "\(story); the edge serves it.",
                            plan: [.edge])
        }
        if !facts.edgeFits {
            if gate.reason == .circuitOpen {
                return reject(facts, status: 503, code: "upstream_unavailable", reason: .circuitOpen,
                              message: "\(story). Retry later.")
            }
            return reject(facts, status: 400, code: "context_length_exceeded", reason: .contextOverflow,
                          message: "\(story). Shorten the input or lower max_tokens.")
        }
        let local: RoutingReason = facts.local.isHealthy ? .localOverload : .localUnavailable
        return reject(facts, status: 503, code: "no_target_available", reason: local, message: "\(story).")
    }

    private func reject(_ facts: Facts, status: Int, code: String, reason: RoutingReason, message: String) -> RoutingDecision {
        decision(facts, target: .reject(status: status, code: code, message: message), reason: reason,
                 explanation: message, plan: [])
    }

    private func decision(_ facts: Facts, target: RoutingTarget, reason: RoutingReason, explanation: String,
                          plan: [RoutingTarget]) -> RoutingDecision {
        RoutingDecision(
            target: target, reason: reason, explanation: explanation, classification: facts.sensitivity.effective,
            edgeOnly: facts.sensitivity.edgeOnly, complexity: facts.complexity, estimatedPromptTokens: facts.promptTokens,
            redact: facts.sensitivity.redactable && plan.contains { $0.isCloud }, fallbackPlan: plan)
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Everything computed once per decision.
struct Facts {
    let request: RoutingRequest
    let local: LocalState
    let cloud: CloudState
    let promptTokens: Int
    let complexity: ComplexityReport
    let sensitivity: Sensitivity

    var neededTokens: Int { promptTokens + (request.maxTokens ?? 0) }
    var edgeFits: Bool { neededTokens <= local.contextSize }
    var edgeCanServe: Bool { edgeFits && local.canServe }
}
