/// The common errors. Types and codes follow OpenAI where it has them (`invalid_api_key`,
/// `model_not_found`, `context_length_exceeded`, `unsupported_parameter`, `invalid_type`,
/// `invalid_value`, `missing_required_parameter`); the others are our own, chosen to be clear.
extension APIError {
    /// The OpenAI error type for client mistakes.
    public static let invalidRequestType = "invalid_request_error"
    /// The OpenAI error type for failures on the server side.
    public static let serverErrorType = "server_error"

    /// 400: the body is not valid JSON; `detail` says what and where.
    public static func invalidJSON(_ detail: String) -> APIError {
        APIError(status: 400, message: "The request body is not valid JSON: \(detail).",
                 type: invalidRequestType, code: "invalid_json")
    }

    /// 400: a parameter this server does not implement; never silently ignored.
    public static func unsupportedParameter(_ name: String) -> APIError {
        APIError(status: 400, message: "Unsupported parameter: '\(name)' is not supported by this server.",
                 type: invalidRequestType, param: name, code: "unsupported_parameter")
    }

    /// 400: a required parameter is absent or null.
    public static func missingParameter(_ name: String) -> APIError {
        APIError(status: 400, message: "Missing required parameter: '\(name)'.",
                 type: invalidRequestType, param: name, code: "missing_required_parameter")
    }

    /// 400: a parameter has the wrong JSON type; `expected` is e.g. "an integer", `actual` the JSON type found.
    public static func invalidType(_ param: String, expected: String, actual: String? = nil) -> APIError {
        let found = actual.map { ", but got \($0) instead" } ?? ""
        return APIError(status: 400, message: "Invalid type for '\(param)': expected \(expected)\(found).",
                        type: invalidRequestType, param: param, code: "invalid_type")
    }

    /// 400: a parameter has the right type but an unacceptable value; `reason` explains the rule.
    public static func invalidValue(_ param: String, _ reason: String) -> APIError {
        APIError(status: 400, message: "Invalid value for '\(param)': \(reason)",
                 type: invalidRequestType, param: param, code: "invalid_value")
    }

    /// 404: the requested model is not served here.
    public static func unknownModel(_ name: String) -> APIError {
        APIError(status: 404, message: "The model '\(name)' does not exist or is not served here.",
                 type: invalidRequestType, param: "model", code: "model_not_found")
    }

    /// 400: prompt plus requested completion do not fit the model's context.
    public static func contextLengthExceeded(needed: Int, limit: Int, param: String = "messages") -> APIError {
        APIError(status: 400,
                 message: "This model's maximum context length is \(limit) tokens, but the request needs \(needed) "
                     + "tokens. Shorten the input or lower max_tokens.",
                 type: invalidRequestType, param: param, code: "context_length_exceeded")
    }

    /// 401: missing or wrong API key.
    public static let unauthorized = APIError(
        status: 401, message: "Incorrect or missing API key. Send it as 'Authorization: Bearer <key>'.",
        type: invalidRequestType, code: "invalid_api_key")

    /// 413: the body is larger than `limit` bytes.
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: 413, message: "The request body exceeds the limit of \(limit) bytes.",
                 type: invalidRequestType, code: "request_too_large")
    }

    /// 429: the server is at capacity (admission queue full); retry after the given delay.
    public static func overloaded(retryAfterSeconds: Int) -> APIError {
        APIError(status: 429,
                 message: "The server is at capacity. Retry after \(retryAfterSeconds) seconds.",
                 type: "rate_limit_error", code: "rate_limit_exceeded", retryAfterSeconds: retryAfterSeconds)
    }

    /// 503: the service cannot serve requests right now (loading, draining, upstream down).
    public static func unavailable(_ reason: String) -> APIError {
        APIError(status: 503, message: "The service is unavailable: \(reason)",
                 type: serverErrorType, code: "service_unavailable")
    }

    /// 500: an unexpected failure; `message` should not leak internals the client cannot act on.
    public static func `internal`(_ message: String) -> APIError {
        APIError(status: 500, message: message, type: serverErrorType, code: "internal_error")
    }
}
