import Foundation
import Hummingbird
import Inference
import NIOCore
import OpenAIAPI

/// The OpenAI-compatible routes, shared by `outpost serve` and the tests.
public func buildRouter(host: ModelHost, metrics: ServerMetrics, configuration: ServerConfiguration,
                        router edgeCloud: EdgeCloudRouter? = nil) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: AuthMiddleware(keys: Set(configuration.apiKeys), open: ["/health"]))
    let limit = configuration.maxBodyBytes

    router.get("/health") { _, _ -> Response in
        switch host.currentState {
        case .ready: return jsonResponse(status: .ok, Data(#"{"status":"ok"}"#.utf8))
        case .loading: return jsonResponse(status: .serviceUnavailable, Data(#"{"status":"loading"}"#.utf8))
        case .failed(let reason): return errorResponse(APIError.unavailable("the models failed to load: \(reason)"))
        }
    }

    router.get("/v1/models") { _, _ -> Response in
        let list = ModelList(data: host.all.map { ModelInfo(id: $0.name, created: $0.created, ownedBy: "outpost") })
        return (try? jsonResponse(status: .ok, APIJSON.encode(list))) ?? errorResponse(APIError.internal("encoding failed"))
    }

    router.get("/metrics") { _, _ -> Response in
        metrics.refresh(from: host)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.registry.render())))
    }

    router.post("/v1/chat/completions") { request, _ -> Response in
        await complete(request, limit: limit, host: host, metrics: metrics,
                       routed: edgeCloud.map { RoutedCompletion(kind: .chat, router: $0, host: host, metrics: metrics) }) { body throws(APIError) in
            try CompletionJob.chat(body: body, host: host)
        }
    }

    router.post("/v1/completions") { request, _ -> Response in
        await complete(request, limit: limit, host: host, metrics: metrics,
                       routed: edgeCloud.map { RoutedCompletion(kind: .text, router: $0, host: host, metrics: metrics) }) { body throws(APIError) in
            try CompletionJob.text(body: body, host: host)
        }
    }
    return router
}

/// Reads the body (413 beyond `limit`), builds the job, submits it and answers, streaming or not.
private func complete(_ request: Request, limit: Int, host: ModelHost, metrics: ServerMetrics, routed: RoutedCompletion?,
                      parse: (Data) throws(APIError) -> CompletionJob) async -> Response {
    guard host.currentState == .ready else { return errorResponse(APIError.unavailable("the models are still loading")) }
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
        return errorResponse(APIError.bodyTooLarge(limit: limit))
    }
    var request = request
    let buffer: ByteBuffer
    do {
        buffer = try await request.collectBody(upTo: limit)
    } catch let error as HTTPError where error.status == .contentTooLarge {
        return errorResponse(APIError.bodyTooLarge(limit: limit))
    } catch is NIOTooManyBytesError {
        // A chunked body (no Content-Length) that grew past the limit.
        return errorResponse(APIError.bodyTooLarge(limit: limit))
    } catch {
        return errorResponse(APIError(status: 400, message: "the request body could not be read: \(error)",
                                      type: APIError.invalidRequestType, code: "invalid_body"))
    }
    if let routed { return await routed.respond(body: Data(buffer: buffer), headers: request.headers) }
    do {
        let job = try parse(Data(buffer: buffer))
        let handle = try job.submit()
        if job.stream { return streamingResponse(job, handle, metrics) }
        return await completeResponse(job, handle, metrics)
    } catch {
        if error.status == 429 { metrics.registry.increment("outpost_rejected_requests_total", [("reason", "overloaded")]) }
        return errorResponse(error)
    }
}

/// Collects the whole generation into one JSON response.
func completeResponse(_ job: CompletionJob, _ handle: SequenceHandle, _ metrics: ServerMetrics) async -> Response {
    var text = ""
    var chatLogprobs: [TokenLogprob] = []
    var legacy = (tokens: [String](), logprobs: [Double](), top: [[String: Double]](), offsets: [Int]())
    var summary: SequenceSummary?
    var timer = TokenTimer(model: job.served.name, metrics: metrics)
    for await event in handle.events {
        switch event {
        case .admitted: break
        case .token(let t, let piece):
            timer.token()
            switch job.logprobs {
            case .none: break
            case .chat: chatLogprobs.append(job.chatLogprob(t))
            case .legacy:
                let entry = job.chatLogprob(t)
                legacy.offsets.append(text.count)
                legacy.tokens.append(entry.token)
                legacy.logprobs.append(entry.logprob)
                legacy.top.append(job.legacyTop(entry))
            }
            text += piece
        case .finished(let s):
            text += s.trailingText
            summary = s
        }
    }
    guard let s = summary else { return errorResponse(APIError.internal("the generation ended without a result")) }
    metrics.record(summary: s, model: job.served.name)
    switch s.finish {
    case .failed: return errorResponse(APIError.internal(s.error ?? "the model failed"))
    case .cancelled: return errorResponse(APIError.unavailable("the request was cancelled (the server is shutting down)"))
    case .stop, .length: break
    }
    let reason = job.finishReason(s.finish)
    do throws(APIError) {
        switch job.kind {
        case .chat:
            let choice = ChatCompletion.Choice(message: .init(content: text),
                                               logprobs: job.logprobs == .none ? nil : ChatLogprobs(content: chatLogprobs),
                                               finishReason: reason)
            let body = ChatCompletion(id: job.id, created: job.created, model: job.served.name, choices: [choice], usage: job.usage(s))
            return jsonResponse(status: .ok, try APIJSON.encode(body))
        case .text:
            let lp = job.logprobs == .none ? nil
                : CompletionLogprobs(tokens: legacy.tokens, tokenLogprobs: legacy.logprobs, topLogprobs: legacy.top, textOffset: legacy.offsets)
            let body = Completion(id: job.id, created: job.created, model: job.served.name,
                                  choices: [Completion.Choice(text: text, logprobs: lp, finishReason: reason)], usage: job.usage(s))
            return jsonResponse(status: .ok, try APIJSON.encode(body))
        }
    } catch {
        return errorResponse(error)
    }
}

/// Server-sent events: one chunk per token with text (or with log-probabilities when asked), a final
/// chunk with the finish reason, the usage chunk when asked, then `[DONE]`. A client that goes away
/// makes the next write fail, which cancels the sequence and frees its slot.
func streamingResponse(_ job: CompletionJob, _ handle: SequenceHandle, _ metrics: ServerMetrics) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/event-stream"
    headers[.cacheControl] = "no-cache"
    let scheduler = job.served.scheduler
    let body = ResponseBody { writer in
        var timer = TokenTimer(model: job.served.name, metrics: metrics)
        var textOffset = 0
        do {
            if job.kind == .chat {
                try await writer.write(sse(job.chatChunk(delta: .start)))
            }
            for await event in handle.events {
                switch event {
                case .admitted: break
                case .token(let t, let piece):
                    timer.token()
                    guard !piece.isEmpty || job.logprobs != .none else { continue }
                    try await writer.write(sse(job.contentChunk(piece, token: t, textOffset: textOffset)))
                    textOffset += piece.count
                case .finished(let s):
                    metrics.record(summary: s, model: job.served.name)
                    switch s.finish {
                    case .failed, .cancelled:
                        let error = s.finish == .failed ? APIError.internal(s.error ?? "the model failed")
                            : APIError.unavailable("the request was cancelled (the server is shutting down)")
                        try await writer.write(ByteBuffer(data: ServerSentEvents.errorEvent(error)))
                        try await writer.finish(nil)
                        return
                    case .stop, .length:
                        if !s.trailingText.isEmpty {
                            try await writer.write(sse(job.contentChunk(s.trailingText, token: nil, textOffset: textOffset)))
                        }
                        try await writer.write(sse(job.finalChunk(job.finishReason(s.finish))))
                        if job.includeUsage { try await writer.write(sse(job.usageChunk(s))) }
                    }
                }
            }
            try await writer.write(ByteBuffer(data: ServerSentEvents.done))
            try await writer.finish(nil)
        } catch {
            // The client is gone (or an event could not be encoded): stop generating for it at once.
            scheduler.cancel(handle.id)
            metrics.registry.increment("outpost_cancelled_streams_total", [("model", job.served.name)])
            throw error
        }
    }
    return Response(status: .ok, headers: headers, body: body)
}

private func sse(_ data: Data) -> ByteBuffer { ByteBuffer(data: ServerSentEvents.event(json: data)) }

/// Measures time to first token and the gaps between tokens as the client sees them.
struct TokenTimer {
    let model: String
    let metrics: ServerMetrics
    private let start = DispatchTime.now().uptimeNanoseconds
    private var last: UInt64?

    init(model: String, metrics: ServerMetrics) {
        self.model = model
        self.metrics = metrics
    }

    mutating func token() {
        let now = DispatchTime.now().uptimeNanoseconds
        if let last {
            metrics.registry.observe("outpost_inter_token_latency_seconds", [("model", model)], Double(now - last) / 1e9)
        } else {
            metrics.registry.observe("outpost_time_to_first_token_seconds", [("model", model)], Double(now - start) / 1e9)
        }
        last = now
    }
}

func jsonResponse(status: HTTPResponse.Status, _ data: Data) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
}

/// The OpenAI error envelope with the error's status, and `Retry-After` for 429.
func errorResponse(_ error: APIError) -> Response {
    var response = jsonResponse(status: HTTPResponse.Status(code: error.status), error.body)
    if let after = error.retryAfterSeconds { response.headers[.retryAfter] = String(after) }
    return response
}
