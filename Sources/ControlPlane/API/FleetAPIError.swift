import Foundation
import Hummingbird

/// An API error as JSON: `{"error": {"message", "type", "code"}}` with its HTTP status.
public struct FleetAPIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    /// A stable machine-readable code, e.g. "unauthorized", "not_found", "stale_revision".
    public let code: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status; self.code = code; self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    private struct Envelope: Encodable {
        struct Body: Encodable { let message: String; let type: String; let code: String }
        let error: Body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let type = status.code >= 500 ? "server_error" : "invalid_request_error"
        let data = (try? JSONEncoder().encode(ErrorEnvelope(error: .init(message: message, type: type, code: code)))) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
    }

    static func badRequest(_ message: String) -> Self { .init(.badRequest, "invalid_request", message) }
    static func notFound(_ message: String) -> Self { .init(.notFound, "not_found", message) }
    static let unauthorized = FleetAPIError(.unauthorized, "unauthorized",
                                            "missing or invalid bearer token (Authorization: Bearer TOKEN)")
    static func forbidden(_ message: String) -> Self { .init(.forbidden, "forbidden", message) }
    static func conflict(_ message: String) -> Self { .init(.conflict, "conflict", message) }
    static func unprocessable(_ message: String) -> Self { .init(.unprocessableContent, "unprocessable", message) }

    /// A storage error as the response a client can act on.
    static func from(_ error: StoreError) -> Self {
        switch error {
        case .notFound: return .notFound(error.description)
        case .alreadyExists: return .conflict(error.description)
        case .conflict: return .init(.conflict, "stale_revision", error.description)
        case .enrollmentTokenRejected: return .init(.forbidden, "enrollment_token_rejected", error.description)
        case .badDatabaseURL, .unavailable, .queryFailed, .corruptRecord:
            return .init(.serviceUnavailable, "storage_unavailable", error.description)
        }
    }
}

/// The JSON body of an error response.
struct ErrorEnvelope: Encodable {
    struct Body: Encodable { let message: String; let type: String; let code: String }
    let error: Body
}

/// Runs a store call, turning its error into the API's.
func stored<T>(_ body: () async throws(StoreError) -> T) async throws(FleetAPIError) -> T {
    do { return try await body() } catch { throw FleetAPIError.from(error) }
}
