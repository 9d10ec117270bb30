extension RoutingPolicy {
    /// Rule 7: the upstreams that may take this request, in configuration order, or the gate that
    /// stopped all of them (checked in order: allow_cloud, model served, circuit, budget).
    func cloudChoice(_ facts: Facts) -> Result<[String], GateRefusal> {
        guard config.allowCloud else {
            return .failure(GateRefusal(reason: .cloudDisabled, explanation: "cloud routing is disabled (allow_cloud: false)"))
        }
        let serving = config.upstreams.filter { $0.upstreamModel(for: facts.request.model) != nil }
        guard !serving.isEmpty else {
            return .failure(GateRefusal(reason: .noUpstream,
                                        explanation: "no upstream serves model '\(facts.request.model)'"))
        }
        let closed = serving.filter { !facts.cloud.openCircuits.contains($0.name) }
        guard !closed.isEmpty else {
            let names = serving.map(\.name).joined(separator: ", ")
            return .failure(GateRefusal(reason: .circuitOpen, explanation: "the circuit is open for \(names)"))
        }
        let affordable = closed.filter { fitsBudget(facts, upstream: $0.name) }
        guard !affordable.isEmpty else {
            return .failure(GateRefusal(reason: .budgetExhausted, explanation: budgetExplanation(facts)))
        }
        return .success(affordable.map(\.name))
    }

    /// Upstreams usable as fallbacks (empty when any gate refuses).
    func eligibleUpstreams(_ facts: Facts) -> [String] {
        if case .success(let names) = cloudChoice(facts) { return names }
        return []
    }

    /// Whether today's caps leave room for this request at `upstream`'s prices.
    private func fitsBudget(_ facts: Facts, upstream: String) -> Bool {
        let completion = facts.request.maxTokens ?? config.budget.defaultCompletionTokens
        let cost = config.budget.cost(upstream: upstream, promptTokens: facts.promptTokens, completionTokens: completion)
        return facts.cloud.budget.allows(tokens: facts.promptTokens + completion, cost: cost)
    }

    private func budgetExplanation(_ facts: Facts) -> String {
        let budget = facts.cloud.budget
        var parts: [String] = []
        if let cap = budget.tokenCap { parts.append("\(budget.tokensUsed) of \(cap) cloud tokens used") }
        if let cap = budget.costCap { parts.append("cost \(Self.format(budget.costUsed)) of \(Self.format(cap)) spent") }
        return "the daily budget does not allow it (\(parts.joined(separator: ", ")) on \(budget.day))"
    }
}

/// Why the cloud cannot take a request.
struct GateRefusal: Error {
    let reason: RoutingReason
    let explanation: String
}
