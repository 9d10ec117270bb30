import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIAPI
import Routing

/// Header names of the routing contract.
enum RouteHeader {
    static let dataClass = HTTPField.Name("x-outpost-data-class")!
    static let latencySLO = HTTPField.Name("x-outpost-latency-slo-ms")!
    static let route = HTTPField.Name("x-outpost-route")!
    static let reason = HTTPField.Name("x-outpost-route-reason")!
    static let upstream = HTTPField.Name("x-outpost-upstream")!
}

/// One routed request: decide, then walk the decision's fallback plan until a target serves it.
///
/// Restricted requests have a plan of the edge alone, so no byte of them reaches an upstream on any path;
/// if the edge cannot serve one the answer is 503 with the reason (fail closed). The local side falls
/// back to the cloud on overload or a failed generation; an upstream falls back (after its retries, each
/// counted by its circuit breaker) to the next target. Every answer says where it ran and why.
struct RoutedCompletion {
    let kind: CompletionJob.Kind
    let router: EdgeCloudRouter
    let host: ModelHost
    let metrics: ServerMetrics

    func respond(body: Data, headers: HTTPFields) async -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let requestID = UUID().uuidString
        let routing: RoutingRequest
        let makeJob: () throws(APIError) -> CompletionJob
        let routingHeaders = RoutingHeaders(dataClass: headers[RouteHeader.dataClass], latencySLO: headers[RouteHeader.latencySLO])
        do throws(APIError) {
            switch kind {
            case .chat:
                let r = try ChatCompletionRequest(body: body)
                do throws(RoutingRequestError) { routing = try RoutingRequest(r, headers: routingHeaders) } catch { throw error.apiError }
                makeJob = { () throws(APIError) in try CompletionJob.chat(r, host: host) }
            case .text:
                let r = try CompletionRequest(body: body)
                do throws(RoutingRequestError) { routing = try RoutingRequest(r, headers: routingHeaders) } catch { throw error.apiError }
                makeJob = { () throws(APIError) in try CompletionJob.text(r, host: host) }
            }
        } catch {
            return errorResponse(error)
        }

        let served = host.model(named: routing.model)
        let local = LocalState(contextSize: served?.scheduler.config.contextSize ?? 0,
                               estimatedQueueWaitMs: served?.scheduler.estimatedWaitMs ?? 0,
                               isHealthy: served != nil && host.currentState == .ready,
                               isOverloaded: served?.scheduler.isSaturated ?? false)
        let decision = router.decide(routing, local: local)
        if decision.target.isCloud { metrics.registry.increment("outpost_route_escalations_total", [("reason", decision.reason.rawValue)]) }
        if decision.reason == .budgetExhausted { metrics.registry.increment("outpost_route_budget_exhausted_total") }
        if served == nil && !decision.target.isCloud && !decision.fallbackPlan.contains(where: \.isCloud) {
            return errorResponse(APIError.unknownModel(routing.model))
        }
        if let error = decision.apiError {
            if decision.edgeOnly { metrics.registry.increment("outpost_route_fail_closed_total") }
            finish(requestID, decision, .rejected, attempts: [], servedBy: nil, started)
            return routed(errorResponse(error), route: "none", reason: decision.reason.rawValue, upstream: nil)
        }

        var attempts: [RoutingTarget] = []
        var fallbackCause: String?
        var lastError: APIError?
        for target in decision.fallbackPlan {
            switch target {
            case .reject:
                continue
            case .edge:
                guard served != nil else { continue }
                attempts.append(target)
                let job: CompletionJob
                let handle: SequenceHandle
                do throws(APIError) {
                    job = try makeJob()
                    handle = try job.submit()
                } catch {
                    // The client's own mistakes (a bad template render, an oversized prompt) are answered as they are.
                    guard error.status == 429 || error.status >= 500 else { return errorResponse(error) }
                    if error.status == 429 { metrics.registry.increment("outpost_rejected_requests_total", [("reason", "overloaded")]) }
                    lastError = error
                    fallbackCause = error.status == 429 ? "local_overload" : "local_error"
                    metrics.registry.increment("outpost_route_fallbacks_total", [("cause", fallbackCause!)])
                    continue
                }
                let response = job.stream ? streamingResponse(job, handle, metrics) : await completeResponse(job, handle, metrics)
                if !job.stream && response.status.code >= 500 {
                    // The local model failed: the next target, or (none left) 503 with the reason.
                    lastError = APIError.internal("the local model failed")
                    fallbackCause = "local_error"
                    metrics.registry.increment("outpost_route_fallbacks_total", [("cause", "local_error")])
                    continue
                }
                finish(requestID, decision, .success, attempts: attempts, servedBy: target, started)
                return routed(response, route: "edge", reason: reason(decision, fallbackCause), upstream: nil)
            case .cloud(let name):
                guard !decision.edgeOnly, let upstream = router.upstreams[name] else { continue }
                attempts.append(target)
                switch await callUpstream(upstream, body: body, clientModel: routing.model, decision: decision) {
                case .success(let response):
                    finish(requestID, decision, .success, attempts: attempts, servedBy: target, started)
                    return routed(response, route: "cloud", reason: reason(decision, fallbackCause), upstream: name)
                case .failure(let cause, let error):
                    fallbackCause = cause
                    lastError = error
                    metrics.registry.increment("outpost_route_fallbacks_total", [("cause", cause)])
                }
            }
        }
        finish(requestID, decision, .failed, attempts: attempts, servedBy: nil, started)
        if decision.edgeOnly { metrics.registry.increment("outpost_route_fail_closed_total") }
        let message = decision.edgeOnly
            ? "this request holds restricted data and must run on the device, which cannot serve it now: \(lastError?.message ?? "unavailable")"
            : "no target could serve the request: \(lastError?.message ?? "unavailable")"
        var error = APIError(status: 503, message: message, type: "server_error", code: "no_target_available")
        if decision.edgeOnly, let last = lastError, last.status == 429 {
            error = APIError(status: 503, message: message, type: "server_error", code: "restricted_edge_unavailable",
                             retryAfterSeconds: last.retryAfterSeconds)
        }
        return routed(errorResponse(error), route: "none", reason: fallbackCause ?? decision.reason.rawValue, upstream: nil)
    }

    private enum CloudResult {
        case success(Response)
        case failure(cause: String, APIError)
    }

    /// One upstream with its retries, each attempt gated and counted by the upstream's circuit breaker.
    private func callUpstream(_ upstream: OpenAIUpstream, body clientBody: Data, clientModel: String,
                              decision: RoutingDecision) async -> CloudResult {
        let name = upstream.name
        // The client's own JSON is rewritten for the upstream; it parsed as a request already, so it is an
        // object. Parsed here, not up front, so requests served locally pay for one parse only.
        guard case .object(let raw)? = try? JSONParser.parse(clientBody) else {
            return .failure(cause: "upstream_error", APIError.invalidJSON("the body is not a JSON object"))
        }
        let (forwarding, body) = CloudForwarding.prepare(body: raw, clientModel: clientModel,
                                                         upstreamModel: router.upstreamModel(name, for: clientModel),
                                                         redact: decision.redact, detector: router.detector)
        let path = kind == .chat ? "/v1/chat/completions" : "/v1/completions"
        if !forwarding.redactions.isEmpty { metrics.registry.increment("outpost_route_redactions_total") }
        var cause = "upstream_error"
        var last = APIError.unavailable("upstream \(name) failed")
        for attempt in 0...max(0, router.maxRetries(name)) {
            if attempt > 0 { try? await Task.sleep(nanoseconds: UInt64(100_000_000) << min(attempt - 1, 4)) }
            guard router.breaker(name)?.tryAcquire() ?? true else {
                cause = "circuit_open"
                last = APIError.unavailable("the circuit to upstream \(name) is open")
                break
            }
            let callStart = DispatchTime.now().uptimeNanoseconds
            defer {
                metrics.registry.observe("outpost_upstream_latency_seconds", [("upstream", name)],
                                         Double(DispatchTime.now().uptimeNanoseconds - callStart) / 1e9)
            }
            do throws(UpstreamError) {
                let response: Response
                if forwarding.stream {
                    let events = try await upstream.stream(path: path, body: body)
                    response = streamFromUpstream(events, forwarding, upstream: name)
                } else {
                    let (data, usage) = try forwarding.rewrite(answer: try await upstream.send(path: path, body: body))
                    spend(name, usage, decision)
                    response = jsonResponse(status: .ok, data)
                }
                router.breaker(name)?.recordSuccess()
                metrics.registry.increment("outpost_upstream_requests_total", [("upstream", name), ("outcome", "success")])
                return .success(response)
            } catch {
                router.breaker(name)?.recordFailure()
                metrics.registry.increment("outpost_upstream_requests_total", [("upstream", name), ("outcome", "failure")])
                if case .timeout = error { cause = "upstream_timeout" } else { cause = "upstream_error" }
                last = APIError.unavailable(error.description)
                // A request the upstream refused on its merits is not retried; the next target may still serve it.
                if !error.isRetryable { break }
            }
        }
        return .failure(cause: cause, last)
    }

    /// Passes an upstream stream through in the local chunk shape; a failure mid-stream is sent in-band.
    private func streamFromUpstream(_ events: AsyncThrowingStream<Data, any Error>, _ forwarding: CloudForwarding,
                                    upstream: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let router = self.router
        let body = ResponseBody { writer in
            var restorer = StreamingRestorer(map: forwarding.redactions)
            var usage: Usage?
            do {
                for try await payload in events {
                    let (chunk, u) = forwarding.rewrite(chunk: payload, restorer: &restorer)
                    if let u { usage = u }
                    if let chunk { try await writer.write(ByteBuffer(bytes: ServerSentEvents.event(json: chunk))) }
                }
            } catch let error as UpstreamError {
                try await writer.write(ByteBuffer(bytes: ServerSentEvents.errorEvent(APIError.unavailable(error.description))))
                try await writer.finish(nil)
                return
            }
            if let usage { _ = try? router.policy.budget.record(upstream: upstream, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens) }
            try await writer.write(ByteBuffer(bytes: ServerSentEvents.done))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func spend(_ upstream: String, _ usage: Usage?, _ decision: RoutingDecision) {
        let prompt = usage?.promptTokens ?? decision.estimatedPromptTokens
        let completion = usage?.completionTokens ?? 0
        _ = try? router.policy.budget.record(upstream: upstream, promptTokens: prompt, completionTokens: completion)
    }

    private func reason(_ decision: RoutingDecision, _ fallback: String?) -> String {
        fallback.map { "fallback:\($0)" } ?? decision.reason.rawValue
    }

    private func routed(_ response: Response, route: String, reason: String, upstream: String?) -> Response {
        var r = response
        r.headers[RouteHeader.route] = route
        r.headers[RouteHeader.reason] = reason
        if let upstream { r.headers[RouteHeader.upstream] = upstream }
        metrics.registry.increment("outpost_route_decisions_total", [("route", route), ("reason", reason)])
        return r
    }

    private func finish(_ id: String, _ decision: RoutingDecision, _ outcome: AuditOutcome, attempts: [RoutingTarget],
                        servedBy: RoutingTarget?, _ started: UInt64) {
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        router.recordAudit(AuditRecord(requestID: id, decision: decision, timestamp: Date(), outcome: outcome,
                                       attempts: attempts, servedBy: servedBy, latencyMs: ms))
    }
}
