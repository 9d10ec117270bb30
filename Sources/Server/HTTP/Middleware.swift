import Foundation
import HTTPTypes
import Hummingbird
import OpenAIAPI

/// `Authorization: Bearer KEY` on every path but the open ones, when keys are configured.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: Set<String>
    let open: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty, !open.contains(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Self.contains(keys, String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            var response = errorResponse(APIError.unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Membership compared in time that does not depend on where a guess first differs.
    private static func contains(_ keys: Set<String>, _ candidate: String) -> Bool {
        let c = Array(candidate.utf8)
        var found = false
        for key in keys {
            let k = Array(key.utf8)
            var diff = UInt8(k.count == c.count ? 0 : 1)
            for i in 0..<max(k.count, c.count) {
                diff |= (i < k.count ? k[i] : 0) ^ (i < c.count ? c[i] : 0)
            }
            if diff == 0 { found = true }
        }
        return found
    }
}

/// Counts every request by endpoint and status, and times it end to end (for a stream: until the
/// handler returned its response head; stream durations are recorded when the stream ends).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let endpoint = ServerMetrics.endpointLabel(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.registry.increment("outpost_http_requests_total", [("endpoint", endpoint), ("status", String(response.status.code))])
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let streamed = response.headers[.contentType] == "text/event-stream"
            if !streamed {
                metrics.registry.observe("outpost_http_request_duration_seconds", [("endpoint", endpoint)], seconds)
            }
            if let observer = metrics.observer, endpoint.hasSuffix("completions") {
                let route = HTTPField.Name("x-outpost-route").flatMap { response.headers[$0] }
                let reason = HTTPField.Name("x-outpost-route-reason").flatMap { response.headers[$0] }
                observer.requestAnswered(AnsweredRequest(endpoint: endpoint, status: Int(response.status.code), seconds: seconds,
                                                         streamed: streamed, route: route, routeReason: reason))
            }
            return response
        } catch let error as HTTPError {
            metrics.registry.increment("outpost_http_requests_total", [("endpoint", endpoint), ("status", String(error.status.code))])
            if let observer = metrics.observer, endpoint.hasSuffix("completions") {
                observer.requestAnswered(AnsweredRequest(
                    endpoint: endpoint, status: Int(error.status.code),
                    seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, streamed: false, route: nil, routeReason: nil))
            }
            throw error
        }
    }
}
