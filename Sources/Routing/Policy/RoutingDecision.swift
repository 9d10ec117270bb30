import OpenAIAPI

/// Where a request goes.
public enum RoutingTarget: Sendable, Hashable, CustomStringConvertible {
    /// The local runtime.
    case edge
    /// The named upstream from the configuration.
    case cloud(upstream: String)
    /// Nowhere: answer the client with this error.
    case reject(status: Int, code: String, message: String)

    /// `edge`, `cloud:<name>` or `reject:<status>`: short and free of request data, for logs.
    public var description: String {
        switch self {
        case .edge: return "edge"
        case .cloud(let upstream): return "cloud:\(upstream)"
        case .reject(let status, _, _): return "reject:\(status)"
        }
    }

    /// Whether the target sends data off the device.
    public var isCloud: Bool {
        if case .cloud = self { return true }
        return false
    }
}

/// Why a decision went the way it did; the raw values are stable machine codes for logs and metrics.
public enum RoutingReason: String, Sendable, Hashable, CaseIterable {
    /// Restricted data (caller-marked, or detected with redaction off): edge only.
    case restrictedData = "restricted_data"
    /// Restricted data and the edge cannot serve it: rejected (fail closed).
    case restrictedEdgeUnavailable = "restricted_edge_unavailable"
    /// Prompt plus `max_tokens` exceed the local context.
    case contextOverflow = "context_overflow"
    /// The complexity score reached the threshold.
    case complexity = "complexity"
    /// The local queue wait exceeds the latency objective.
    case latencySLO = "latency_slo"
    /// The local runtime is overloaded.
    case localOverload = "local_overload"
    /// The local runtime is unhealthy (not loaded, erroring, out of memory).
    case localUnavailable = "local_unavailable"
    /// Cloud was wanted but `allow_cloud` is false.
    case cloudDisabled = "cloud_disabled"
    /// Cloud was wanted but no upstream serves the model.
    case noUpstream = "no_upstream"
    /// Cloud was wanted but every upstream serving the model has its circuit open.
    case circuitOpen = "circuit_open"
    /// Cloud was wanted but the request would exceed a daily cap.
    case budgetExhausted = "budget_exhausted"
    /// Nothing called for the cloud.
    case defaultEdge = "default_edge"
}

/// The outcome of `RoutingPolicy.decide`: where to send the request, why, and what to do on failure.
public struct RoutingDecision: Sendable, Equatable {
    /// The first target to try.
    public var target: RoutingTarget
    /// The rule that decided.
    public var reason: RoutingReason
    /// A sentence for operators; names rules, counts and thresholds, never request text.
    public var explanation: String
    /// The effective classification (caller's mark combined with the detectors').
    public var classification: ClassificationSummary
    /// True when the request must never leave the device; then no cloud target appears anywhere.
    public var edgeOnly: Bool
    /// Complexity score and its features.
    public var complexity: ComplexityReport
    /// Estimated prompt tokens (see `TokenEstimator`).
    public var estimatedPromptTokens: Int
    /// True when any cloud attempt must send a redacted copy (detected entities, redaction on).
    /// The edge always receives the original text.
    public var redact: Bool
    /// Every target to try, in order: the primary first, then the fallbacks. Empty for a rejection.
    /// When `edgeOnly` it holds `.edge` alone.
    public var fallbackPlan: [RoutingTarget]

    /// Creates a decision (normally made by `RoutingPolicy`).
    public init(target: RoutingTarget, reason: RoutingReason, explanation: String,
                classification: ClassificationSummary, edgeOnly: Bool, complexity: ComplexityReport,
                estimatedPromptTokens: Int, redact: Bool, fallbackPlan: [RoutingTarget]) {
        self.target = target
        self.reason = reason
        self.explanation = explanation
        self.classification = classification
        self.edgeOnly = edgeOnly
        self.complexity = complexity
        self.estimatedPromptTokens = estimatedPromptTokens
        self.redact = redact
        self.fallbackPlan = fallbackPlan
    }

    /// The upstream of the primary target, if it is a cloud one.
    public var upstream: String? {
        if case .cloud(let name) = target { return name }
        return nil
    }

    /// The error to answer with when the decision is a rejection, in the API's envelope.
    public var apiError: APIError? {
        guard case .reject(let status, let code, let message) = target else { return nil }
        let type = status >= 500 ? "server_error" : "invalid_request_error"
        return APIError(status: status, message: message, type: type,
                        param: code == "context_length_exceeded" ? "messages" : nil, code: code)
    }
}
