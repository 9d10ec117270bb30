import Foundation

/// An error the API reports to the client, in OpenAI's envelope
/// `{"error": {"message", "type", "param", "code"}}` with the HTTP status it travels with.
///
/// Construct it through the static factories so that types and codes stay consistent; the server
/// maps `status` to the response status, writes `body`, and sets `Retry-After` from
/// `retryAfterSeconds` when present.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status: 400, 401, 404, 413, 429, 500 or 503.
    public let status: Int
    /// Human-readable explanation, naming the parameter involved when there is one.
    public let message: String
    /// OpenAI error type, e.g. `invalid_request_error`, `rate_limit_error`, `server_error`.
    public let type: String
    /// The request parameter at fault (e.g. `messages[2].content`), or nil.
    public let param: String?
    /// Machine-readable code, e.g. `unsupported_parameter`, or nil.
    public let code: String?
    /// Seconds the client should wait before retrying (sent as `Retry-After`), or nil.
    public let retryAfterSeconds: Int?

    /// Creates an error with explicit fields; prefer the named factories.
    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String {
        "APIError(\(status) \(type)\(code.map { "/\($0)" } ?? "")\(param.map { " param=\($0)" } ?? ""): \(message))"
    }

    /// The JSON envelope `{"error":{"message":…,"type":…,"param":…|null,"code":…|null}}`.
    public var body: Data { Data(envelopeBytes) }

    /// The envelope as UTF-8 bytes; written by hand so that producing it can never fail.
    var envelopeBytes: [UInt8] {
        var out = Array("{\"error\":{\"message\":".utf8)
        JSONWriter.appendQuoted(message, to: &out)
        out.append(contentsOf: Array(",\"type\":".utf8))
        JSONWriter.appendQuoted(type, to: &out)
        out.append(contentsOf: Array(",\"param\":".utf8))
        appendOptional(param, to: &out)
        out.append(contentsOf: Array(",\"code\":".utf8))
        appendOptional(code, to: &out)
        out.append(contentsOf: Array("}}".utf8))
        return out
    }

    private func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value { JSONWriter.appendQuoted(value, to: &out) } else { out.append(contentsOf: Array("null".utf8)) }
    }
}

extension APIError: Encodable {
    private enum EnvelopeKeys: String, CodingKey { case error }
    private enum FieldKeys: String, CodingKey { case message, type, param, code }

    /// Encodes the same envelope as `body`, with explicit nulls for absent `param` and `code`.
    public func encode(to encoder: any Encoder) throws {
        var envelope = encoder.container(keyedBy: EnvelopeKeys.self)
        var fields = envelope.nestedContainer(keyedBy: FieldKeys.self, forKey: .error)
        try fields.encode(message, forKey: .message)
        try fields.encode(type, forKey: .type)
        try fields.encode(param, forKey: .param)
        try fields.encode(code, forKey: .code)
    }
}
