import Foundation

/// A completions request as the HTTP layer saw it answered.
public struct AnsweredRequest: Sendable {
    public var endpoint: String
    public var status: Int
    /// Until the response head for a stream; the generation's own time comes with its summary.
    public var seconds: Double
    public var streamed: Bool
    /// `x-outpost-route` and `x-outpost-route-reason` of the answer, when routing is on.
    public var route: String?
    public var routeReason: String?
}

/// Receives every answered completions request and every finished local generation: how the device
/// agent builds its telemetry without scraping its own metrics.
public protocol ServerObserver: Sendable {
    func requestAnswered(_ request: AnsweredRequest)
    func generationFinished(_ summary: SequenceSummary, model: String)
}

/// The server's metric families and how they are fed.
public final class ServerMetrics: Sendable {
    public let registry = MetricsRegistry()
    public let observer: (any ServerObserver)?

    private static let latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
    private static let tokenBuckets: [Double] = [1, 4, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]

    public init(observer: (any ServerObserver)? = nil) {
        self.observer = observer
        let r = registry
        r.declare(counter: "outpost_http_requests_total", help: "HTTP requests by endpoint and status code.")
        r.declare(histogram: "outpost_http_request_duration_seconds", help: "Time to answer non-streaming requests.", buckets: Self.latencyBuckets)
        r.declare(histogram: "outpost_time_to_first_token_seconds", help: "From request to the first generated token.", buckets: Self.latencyBuckets)
        r.declare(histogram: "outpost_inter_token_latency_seconds", help: "Gap between consecutive generated tokens.", buckets: Self.latencyBuckets)
        r.declare(histogram: "outpost_request_latency_seconds", help: "From submission to the end of a generation.", buckets: Self.latencyBuckets)
        r.declare(histogram: "outpost_queue_wait_seconds", help: "From submission until a slot took the sequence.", buckets: Self.latencyBuckets)
        r.declare(histogram: "outpost_prompt_tokens", help: "Prompt tokens per request.", buckets: Self.tokenBuckets)
        r.declare(histogram: "outpost_generated_tokens", help: "Generated tokens per request.", buckets: Self.tokenBuckets)
        r.declare(counter: "outpost_prompt_tokens_total", help: "Prompt tokens of finished requests.")
        r.declare(counter: "outpost_generated_tokens_total", help: "Generated tokens of finished requests.")
        r.declare(counter: "outpost_requests_finished_total", help: "Generations by how they ended (stop, length, cancelled, failed).")
        r.declare(counter: "outpost_rejected_requests_total", help: "Requests refused before running, by reason.")
        r.declare(counter: "outpost_cancelled_streams_total", help: "Streams whose client went away mid-generation.")
        r.declare(counter: "outpost_route_decisions_total", help: "Answers by where they ran (edge, cloud, none) and why.")
        r.declare(counter: "outpost_upstream_requests_total", help: "Calls to cloud upstreams by outcome (each retry counts).")
        r.declare(histogram: "outpost_upstream_latency_seconds", help: "Upstream call time: the whole answer, or until the stream's head for streams.", buckets: Self.latencyBuckets)
        r.declare(counter: "outpost_route_escalations_total", help: "Requests the policy sent to the cloud, by reason.")
        r.declare(counter: "outpost_route_fallbacks_total", help: "Targets that failed and passed the request on, by cause.")
        r.declare(counter: "outpost_route_fail_closed_total", help: "Restricted requests refused because the edge could not serve them.")
        r.declare(counter: "outpost_route_redactions_total", help: "Requests sent upstream with detected entities replaced by placeholders.")
        r.declare(counter: "outpost_route_budget_exhausted_total", help: "Requests kept local because a daily cloud budget was reached.")
        r.declare(gauge: "outpost_queue_depth", help: "Requests waiting for a slot.")
        r.declare(gauge: "outpost_active_sequences", help: "Sequences holding a slot.")
        r.declare(gauge: "outpost_slots", help: "Slots (sequences that can run at once).")
        r.declare(gauge: "outpost_kv_cache_tokens", help: "KV cache positions in use: by running sequences (active) and kept for prefix reuse (cached).")
        r.declare(gauge: "outpost_kv_cache_capacity_tokens", help: "KV cache positions allocated.")
        r.declare(gauge: "outpost_kv_cache_usage_ratio", help: "Share of KV cache positions held by running sequences.")
        r.declare(counter: "outpost_prefix_cache_hit_tokens_total", help: "Prompt tokens reused from the prefix cache.")
        r.declare(counter: "outpost_prompt_tokens_computed_total", help: "Prompt tokens computed by forward passes.")
        r.declare(counter: "outpost_forward_passes_total", help: "Forward passes run.")
        r.declare(counter: "outpost_speculative_drafted_tokens_total", help: "Prompt-lookup tokens drafted into verification passes.")
        r.declare(counter: "outpost_speculative_accepted_tokens_total", help: "Drafted tokens the model accepted (each saves one forward pass).")
        r.declare(gauge: "outpost_model_loaded", help: "1 once the model is loaded and serving.")
    }

    /// Records a finished generation.
    public func record(summary s: SequenceSummary, model: String) {
        let m = [("model", model)]
        registry.increment("outpost_requests_finished_total", [("model", model), ("reason", s.finish.rawValue)])
        registry.observe("outpost_request_latency_seconds", m, s.totalSeconds)
        registry.observe("outpost_queue_wait_seconds", m, s.queueSeconds)
        registry.observe("outpost_prompt_tokens", m, Double(s.promptTokens))
        registry.observe("outpost_generated_tokens", m, Double(s.completionTokens))
        registry.increment("outpost_prompt_tokens_total", m, by: Double(s.promptTokens))
        registry.increment("outpost_generated_tokens_total", m, by: Double(s.completionTokens))
        observer?.generationFinished(s, model: model)
    }

    /// Copies the schedulers' live figures into the gauges (at scrape time).
    public func refresh(from host: ModelHost) {
        for served in host.all {
            let s = served.scheduler.snapshot()
            let m = [("model", served.name)]
            registry.set("outpost_queue_depth", m, to: Double(s.queued))
            registry.set("outpost_active_sequences", m, to: Double(s.active))
            registry.set("outpost_slots", m, to: Double(s.slots))
            registry.set("outpost_kv_cache_tokens", [("model", served.name), ("state", "active")], to: Double(s.kvActiveTokens))
            registry.set("outpost_kv_cache_tokens", [("model", served.name), ("state", "cached")], to: Double(s.kvCachedTokens))
            registry.set("outpost_kv_cache_capacity_tokens", m, to: Double(s.kvCapacityTokens))
            registry.set("outpost_kv_cache_usage_ratio", m, to: s.kvCapacityTokens > 0 ? Double(s.kvActiveTokens) / Double(s.kvCapacityTokens) : 0)
            registry.set("outpost_prefix_cache_hit_tokens_total", m, to: Double(s.prefixHitTokens))
            registry.set("outpost_prompt_tokens_computed_total", m, to: Double(s.promptTokensComputed))
            registry.set("outpost_forward_passes_total", m, to: Double(s.forwardPasses))
            registry.set("outpost_speculative_drafted_tokens_total", m, to: Double(s.speculativeDrafted))
            registry.set("outpost_speculative_accepted_tokens_total", m, to: Double(s.speculativeAccepted))
            registry.set("outpost_model_loaded", m, to: 1)
        }
    }

    /// A bounded label for a path: known endpoints by name, everything else as "other".
    static func endpointLabel(_ path: String) -> String {
        let known = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics"]
        return known.contains(path) ? path : "other"
    }
}
